import Foundation

extension Event {
    static let envelopeFields: Set<String> = [
        "specversion", "id", "source", "type", "time", "subject", "dataschema", "datacontenttype", "producerseq", "data",
    ]

    /// Decodes an event from the exact bytes of a Kafka value, refusing anything the schema does not
    /// allow with the field path and the problem. Checked in this order: the JSON syntax (where it stops
    /// being JSON), the schema (the field and what is wrong), then keys repeated within an object.
    public static func decode(_ value: [UInt8]) throws -> Event {
        guard value.count <= maximumSize else {
            throw ConsentModelError(.oversized, "the event is \(value.count) bytes, over the limit of \(maximumSize)")
        }
        let repeatedKey = try JSONSyntax.check(value)
        let event: Envelope
        do {
            event = try JSONDecoder().decode(Envelope.self, from: Data(value))
        } catch let error as DecodingError {
            throw error.consentModelError
        }
        if let repeatedKey {
            throw ConsentModelError(.malformedJSON, at: repeatedKey, "appears twice in the same object")
        }
        return event.event
    }

    private struct Envelope: Decodable {
        let event: Event

        init(from decoder: any Decoder) throws {
            let c: KeyedDecodingContainer<AnyKey>
            do {
                c = try decoder.strictContainer(allowed: Event.envelopeFields)
            } catch DecodingError.typeMismatch {
                throw ConsentModelError(.malformedJSON, "the event must be a JSON object")
            }
            func key(_ name: String) -> AnyKey { AnyKey(stringValue: name) }
            let version = try c.decode(String.self, forKey: key("specversion"))
            guard version == "1.0" else {
                throw c.invalid(key("specversion"), "\"\(EchoedText.capped(version))\" is not a supported CloudEvents version (1.0)")
            }
            let typeName = try c.decode(String.self, forKey: key("type"))
            guard let type = EventType(rawValue: typeName) else {
                throw c.invalid(
                    key("type"),
                    "\"\(EchoedText.capped(typeName))\" is not an event type; types are \(EventType.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            let schema = try c.decode(String.self, forKey: key("dataschema"))
            guard schema == type.schema else { throw c.invalid(key("dataschema"), "must be \(type.schema) for \(typeName)") }
            let contentType = try c.decode(String.self, forKey: key("datacontenttype"))
            guard contentType == "application/json" else { throw c.invalid(key("datacontenttype"), "must be application/json") }
            let sequence = try c.decode(Int64.self, forKey: key("producerseq"))
            guard sequence >= 1 else { throw c.invalid(key("producerseq"), "must be 1 or more, not \(sequence)") }
            let data: EventData =
                switch type {
                case .consentGranted: .consentGranted(try c.decode(ConsentGrant.self, forKey: key("data")))
                case .consentRevoked: .consentRevoked(try c.decode(ConsentRevocation.self, forKey: key("data")))
                case .accessPerformed: .accessPerformed(try c.decode(DataAccess.self, forKey: key("data")))
                }
            event = Event(
                id: try c.text(key("id"), maximumLength: 128),
                source: try c.text(key("source"), maximumLength: 128),
                time: try c.decode(Timestamp.self, forKey: key("time")),
                subject: try c.text(key("subject"), maximumLength: 256),
                producerSequence: sequence,
                data: data
            )
        }
    }
}
