import Crypto

/// One record as it came off the topic, before anything is trusted.
public struct IncomingRecord: Sendable {
    public var value: [UInt8]?
    public var headers: [(name: String, value: [UInt8]?)]
    /// The Kafka timestamp in milliseconds since the epoch, as the record carries it (any 64-bit value the
    /// producer chose), when it has one.
    public var kafkaTimestamp: Int64?

    public init(value: [UInt8]?, headers: [(name: String, value: [UInt8]?)], kafkaTimestamp: Int64?) {
        self.value = value
        self.headers = headers
        self.kafkaTimestamp = kafkaTimestamp
    }
}

/// The public keys a batch's signatures are checked against ahead of the rules: any key id the ledger may know.
/// Which key is valid for which record is the rules' decision, at the record's place in the log; this only saves them
/// the Ed25519 check, the dominant cost, which can then run on every core.
public struct SigningKeys: Sendable {
    var byID: [String: Curve25519.Signing.PublicKey] = [:]

    public init() {}

    public var count: Int { byID.count }

    /// Adds `other`'s keys; a key id already here keeps its key (the rules check again when they differ).
    public mutating func merge(_ other: SigningKeys) {
        byID.merge(other.byID) { mine, _ in mine }
    }

    mutating func add(_ id: String, _ key: Curve25519.Signing.PublicKey) {
        if byID[id] == nil { byID[id] = key }
    }
}

/// A record read and its signature checked against the key its headers name, not yet judged: see ``Rules/apply(_:)``.
public struct PreparedRecord: Sendable {
    enum Reading: Sendable {
        case event(Event)
        case rejected(Rejection)
    }

    let value: [UInt8]
    let reading: Reading
    let keyID: String?
    let signature: [UInt8]?
    /// The key the signature was checked against, and whether it matched.
    private let checked: (key: Curve25519.Signing.PublicKey, valid: Bool)?
    let kafkaTimestamp: Int64?

    /// Reads the value (all event types: which the rules accept is theirs to say) and checks the signature against the
    /// key `keys` has for the named key id.
    public init(_ record: IncomingRecord, keys: SigningKeys) {
        kafkaTimestamp = record.kafkaTimestamp
        value = record.value ?? []
        (keyID, signature) = EventSignature.read(record.headers)
        reading = Self.read(record.value)
        if case .event = reading, let keyID, let signature, let key = keys.byID[keyID] {
            checked = (key, key.isValidSignature(signature, for: value))
        } else {
            checked = nil
        }
    }

    private static func read(_ value: [UInt8]?) -> Reading {
        guard let value else { return .rejected(.tombstone) }
        guard !value.isEmpty else { return .rejected(.emptyValue) }
        guard value.count <= Event.maximumSize else { return .rejected(.oversized(bytes: value.count)) }
        do { return .event(try Event.decode(value)) } catch let error as ConsentModelError {
            return .rejected(.malformed(error))
        } catch {
            return .rejected(.malformed(ConsentModelError(.malformedJSON, "\(error)")))
        }
    }

    /// Whether the value decoded to an event that uses what rules/v1 does not read.
    var isBeyondRulesV1: Bool {
        if case .event(let event) = reading { event.isBeyondRulesV1 } else { false }
    }

    /// Whether the record's signature is `key`'s over its value: the check made ahead when it was against this key.
    func isSigned(by key: Curve25519.Signing.PublicKey) -> Bool {
        guard let signature else { return false }
        if let checked, checked.key.rawRepresentation == key.rawRepresentation { return checked.valid }
        return key.isValidSignature(signature, for: value)
    }
}
