import ConsentModel
import Crypto
import Foundation

public let examplesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("topics/examples")

public func t(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

/// An RFC 3339 instant as a Kafka timestamp: milliseconds since the epoch.
public func ms(_ text: String) -> Int64 { t(text).nanoseconds / 1_000_000 }

/// Test fixtures shared by the test targets. Builds events as JSON values, signs them, and wraps them as Kafka records.
public struct Fixtures: Sendable {
    public let secret = try! SubjectSecret(bytes: Array(0..<32))
    public let keys: [String: Curve25519.Signing.PrivateKey]
    public let registry: InstitutionRegistry
    /// The registry authority of rules/v2 fixtures.
    public let authorityKey = Curve25519.Signing.PrivateKey()
    public var authority: RegistryAuthority {
        RegistryAuthority(id: "registry-authority", keyID: "registry-authority/1", publicKey: authorityKey.publicKey)
    }

    public init() {
        var keys: [String: Curve25519.Signing.PrivateKey] = [:]
        var institutions: [InstitutionRegistry.Institution] = []
        for id in ["bank-a", "bank-b", "mydata-op-1", "insurer-i"] {
            let current = Curve25519.Signing.PrivateKey()
            let retired = Curve25519.Signing.PrivateKey()
            keys["\(id)/2026"] = current
            keys["\(id)/2025"] = retired
            func entry(_ key: Curve25519.Signing.PrivateKey, _ keyID: String, _ from: String, _ until: String?) -> InstitutionRegistry.Key {
                InstitutionRegistry.Key(
                    id: keyID, publicKey: Data(key.publicKey.rawRepresentation).base64EncodedString(), validFrom: t(from),
                    validUntil: until.map(t))
            }
            institutions.append(
                InstitutionRegistry.Institution(
                    id: id, name: id, roles: ["dataHolder", "recipient"],
                    keys: [
                        entry(retired, "\(id)/2025", "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
                        entry(current, "\(id)/2026", "2026-01-01T00:00:00Z", nil),
                    ]))
        }
        self.keys = keys
        self.registry = try! InstitutionRegistry(institutions: institutions)
    }

    public static func envelope(
        type: String, id: String, source: String, seq: Int64, time: String, subject: String = "CI-1", data: [String: Any]
    )
        -> [String: Any]
    {
        [
            "specversion": "1.0", "id": id, "source": source, "type": type, "time": time, "subject": subject,
            "dataschema": "urn:consent-ledger:schema:\(type):v1", "datacontenttype": "application/json", "producerseq": seq, "data": data,
        ]
    }

    public static func grant(
        _ consentId: String, holder: String = "bank-a", recipients: [String] = ["mydata-op-1"], purposes: [String] = ["financial-overview"],
        categories: [String] = ["finance.account.transactions", "finance.account.balance"], from: String = "2026-03-01T00:00:00Z",
        until: String = "2026-09-01T00:00:00Z", supersedes: String? = nil
    ) -> [String: Any] {
        var data: [String: Any] = [
            "consentId": consentId, "dataHolder": holder, "recipients": recipients, "purposes": purposes, "dataCategories": categories,
            "legalBasis": "consent", "validFrom": from, "validUntil": until,
            "notice": ["uri": "https://n.example/1", "sha256": String(repeating: "ab", count: 32)],
        ]
        if let supersedes { data["supersedes"] = supersedes }
        return data
    }

    public static func access(
        at occurredAt: String, accessor: String = "mydata-op-1", holder: String = "bank-a", purpose: String = "financial-overview",
        categories: [String] = ["finance.account.transactions"], consentId: String? = nil
    ) -> [String: Any] {
        var data: [String: Any] = [
            "accessId": "a-\(occurredAt)", "accessor": accessor, "dataHolder": holder, "actor": "system:1", "action": "transmit",
            "purpose": purpose, "dataCategories": categories, "recordCount": 3, "dataForm": "identified", "occurredAt": occurredAt,
        ]
        if let consentId { data["consentId"] = consentId }
        return data
    }

    public static func revoke(_ consentId: String, at effectiveAt: String) -> [String: Any] {
        ["consentId": consentId, "effectiveAt": effectiveAt, "initiatedBy": "subject"]
    }

    public static func bytes(_ object: [String: Any]) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// A record signed with `keyID` (by default the source's current key), timestamped at the event's time
    /// (without a Kafka timestamp when that time is not one the ledger can read).
    public func record(_ event: [String: Any], keyID: String? = nil) -> IncomingRecord {
        let value = Self.bytes(event)
        let source = event["source"] as! String
        let key = keyID ?? "\(source)/2026"
        let headers = try! EventSignature.headers(for: value, keyID: key, privateKey: keys[key]!)
        return IncomingRecord(
            value: value, headers: headers.map { ($0.name, $0.value) },
            kafkaTimestamp: Timestamp(rfc3339: event["time"] as! String).map { $0.nanoseconds / 1_000_000 })
    }
}

extension Fixtures {
    /// The roles rules/v2 fixtures register: two banks, a MyData operator and an insurer that only receives.
    public static let roles: [String: [InstitutionRole]] = [
        "bank-a": [.dataHolder], "bank-b": [.dataHolder, .recipient], "mydata-op-1": [.operator, .recipient], "insurer-i": [.recipient],
    ]

    /// A registry event signed by the fixtures' registry authority.
    public func registryRecord(_ change: RegistryChange, seq: Int64, time: String = "2026-02-01T00:00:00Z") -> IncomingRecord {
        let value = change.eventValue(id: "registry-\(seq)", source: authority.id, time: t(time), producerSequence: seq)
        let headers = try! EventSignature.headers(for: value, keyID: authority.keyID, privateKey: authorityKey)
        return IncomingRecord(value: value, headers: headers.map { ($0.name, $0.value) }, kafkaTimestamp: ms(time))
    }

    /// What the registry authority publishes into each partition to move it to rules/v2: the rules change, then each
    /// institution of ``roles`` with its current key (`ID/2026`).
    public func registryRecords(partitionCount: Int32) -> [IncomingRecord] {
        var changes: [RegistryChange] = [.rulesChanged(rules: Rules.v2, partitionCount: partitionCount)]
        for (id, roles) in Self.roles.sorted(by: { $0.key < $1.key }) {
            changes.append(.institutionRegistered(institution: id, name: id, roles: roles))
            changes.append(
                .keyAdded(institution: id, keyID: "\(id)/2026", publicKey: Array(keys["\(id)/2026"]!.publicKey.rawRepresentation)))
        }
        return changes.enumerated().map { registryRecord($1, seq: Int64($0 + 1)) }
    }

    /// Rules moved to rules/v2 by ``registryRecords(partitionCount:)``, each of which they applied.
    public func rulesV2(partition: Int32 = 0, partitionCount: Int32 = 1, bootstrap: InstitutionRegistry? = nil) -> Rules {
        var rules = Rules(
            trust: RegistryTrust(bootstrap: bootstrap ?? registry, authority: authority), partition: partition, secret: secret)
        for record in registryRecords(partitionCount: partitionCount) {
            precondition(rules.judge(record).verdict.isApplied, "a fixture registry event was not applied")
        }
        return rules
    }
}

extension Rules {
    /// A partition's rules under the registry file only, without a registry authority: rules/v1 throughout.
    public init(registry: InstitutionRegistry, secret: SubjectSecret, partition: Int32 = 0) {
        self.init(trust: RegistryTrust(bootstrap: registry, authority: nil), partition: partition, secret: secret)
    }
}
