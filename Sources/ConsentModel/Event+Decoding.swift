import Foundation

extension Event {
    /// Which version of the events' schemas a decoding reads.
    public enum Schema: Sendable {
        /// What rules/v1 has always read: no registry events, no transmission fields.
        case rulesV1
        /// Everything topics/schemas defines.
        case current

        static let key = CodingUserInfoKey(rawValue: "consent-ledger.schema")!
    }

    /// Whether the event uses what rules/v1 does not read (a registry type, a MyData transmission field), so that
    /// rules/v1 must decode it again as it always did, to refuse it in its own words.
    public var isBeyondRulesV1: Bool {
        switch data {
        case .registry, .erasureRequested: true
        case .accessPerformed(let access): access.transmissionId != nil || access.transmissionType != nil
        case .consentGranted(let grant): grant.schedule?.until != nil
        case .consentRevoked: false
        }
    }

    static let envelopeFields: Set<String> = [
        "specversion", "id", "source", "type", "time", "subject", "dataschema", "datacontenttype", "producerseq", "data",
    ]

    /// Decodes an event from the exact bytes of a Kafka value, refusing anything the schema does not
    /// allow with the field path and the problem. Checked in this order: the JSON syntax (where it stops
    /// being JSON), the schema (the field and what is wrong), then keys repeated within an object.
    ///
    /// `schema` is what is read: rules/v1 reads neither registry events nor the members added since (MyData transmission
    /// fields), and refuses them exactly as it always did.
    public static func decode(_ value: [UInt8], schema: Schema = .current) throws -> Event {
        guard value.count <= maximumSize else {
            throw ConsentModelError(.oversized, "the event is \(value.count) bytes, over the limit of \(maximumSize)")
        }
        let repeatedKey = try JSONSyntax.check(value)
        let event: Envelope
        do {
            let decoder = JSONDecoder()
            decoder.userInfo[Schema.key] = schema
            event = try decoder.decode(Envelope.self, from: Data(value))
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
            let types = decoder.schema == .rulesV1 ? EventType.subjectTypes : EventType.allCases
            guard let type = EventType(rawValue: typeName), types.contains(type) else {
                throw c.invalid(
                    key("type"),
                    "\"\(EchoedText.capped(typeName))\" is not an event type; types are \(Self.list(types))"
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
                case .erasureRequested: .erasureRequested(try c.decode(ErasureRequest.self, forKey: key("data")))
                default: .registry(try RegistryChange.decode(type, from: c, member: key("data")))
                }
            event = Event(
                id: try c.text(key("id"), maximumLength: 128),
                source: try c.text(key("source"), maximumLength: 128),
                time: try c.decode(Timestamp.self, forKey: key("time")),
                subject: try Self.subject(of: type, in: c),
                producerSequence: sequence,
                data: data
            )
        }

        /// The types in an error: each type of an institution's, then the registry's as one (their list is long).
        private static func list(_ types: [EventType]) -> String {
            let registry = types.contains(where: \.isRegistry) ? ["registry.* (docs/events.md)"] : []
            return (types.filter { !$0.isRegistry }.map(\.rawValue) + registry).joined(separator: ", ")
        }

        /// Registry events are about no subject; every other event is about exactly one.
        private static func subject(of type: EventType, in c: KeyedDecodingContainer<AnyKey>) throws -> String? {
            let key = AnyKey(stringValue: "subject")
            guard type.isRegistry else { return try c.text(key, maximumLength: 256) }
            guard !c.contains(key) else { throw ConsentModelError(.unknownField, at: "subject", "a registry event names no subject") }
            return nil
        }
    }
}

extension Decoder {
    /// The schema the decoding was asked to read.
    var schema: Event.Schema { userInfo[Event.Schema.key] as? Event.Schema ?? .current }
}
