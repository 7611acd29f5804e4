import ConsentModel
import Foundation

/// An event an institution wants to publish, completed and checked but not yet numbered or signed.
///
/// Made from a JSON object that holds at least `type`, `subject` and `data`; the envelope members a
/// producer would otherwise repeat (`specversion`, `source`, `dataschema`, `datacontenttype`) and the
/// ones a publisher owns (`id`, `time`, `producerseq`) are filled where absent.
public struct EventDraft: @unchecked Sendable {
    // @unchecked: `object` comes from JSONSerialization (strings, numbers, arrays, dictionaries) and is never mutated.
    let object: [String: Any]
    public let id: String
    public let subject: String
    /// The producer sequence the input named, if any; otherwise the publisher numbers the event.
    public let givenSequence: Int64?

    /// Completes `json` for `institution` and checks it with the ledger's own strict decoder, so an
    /// event that would be rejected is refused here, with the field and the problem.
    public init(json: [UInt8], institution: String, now: Timestamp) throws {
        let repeatedKey = try JSONSyntax.check(json)
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(json)), var object = parsed as? [String: Any] else {
            throw ConsentModelError(.malformedJSON, "the line is not a JSON object")
        }
        if let repeatedKey {
            throw ConsentModelError(.malformedJSON, at: repeatedKey, "appears twice in the same object")
        }
        if let source = object["source"] as? String, source != institution {
            throw ConsentModelError(.invalidValue, at: "source", "is \(source), but the key is \(institution)'s")
        }
        let type = object["type"] as? String ?? ""
        let filled: [String: Any] = [
            "specversion": "1.0", "source": institution, "dataschema": "urn:consent-ledger:schema:\(type):v1",
            "datacontenttype": "application/json", "id": UUID().uuidString.lowercased(), "time": now.description,
        ]
        object.merge(filled) { given, _ in given }
        // Checked as it will be sent; a placeholder stands in for a number not yet drawn.
        let isNumbered = object["producerseq"] != nil
        let event = try Event.decode(Self.bytes(object, producerSequence: isNumbered ? nil : 1))
        guard let subject = event.subject else {
            throw ConsentModelError(
                .invalidValue, at: "type", "registry events go to every partition: publish them with `ledgerctl registry publish`")
        }
        self.object = object
        id = event.id
        self.subject = subject
        givenSequence = isNumbered ? event.producerSequence : nil
    }

    /// The value to send: the event with its producer sequence, as compact JSON with sorted keys.
    public func value(producerSequence: Int64) -> [UInt8] {
        Self.bytes(object, producerSequence: producerSequence)
    }

    private static func bytes(_ object: [String: Any], producerSequence: Int64?) -> [UInt8] {
        var object = object
        if let producerSequence { object["producerseq"] = producerSequence }
        // Cannot fail: the object came from JSONSerialization, plus strings and an integer.
        return Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }
}
