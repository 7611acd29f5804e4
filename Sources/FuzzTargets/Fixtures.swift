import APITokens
import ConsentModel
import Crypto
import Foundation
import LedgerFormat
import MerkleLog

/// Fixed keys and state the fuzz targets check inputs against, made once per process from constant seeds, so that
/// every run of a target on the same input does the same.
enum Fixtures {
    /// RFC 8032's first test key, which the example registry lists for `mydata-op-1`.
    static let institutionKey = try! Curve25519.Signing.PrivateKey(
        rawRepresentation: hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))

    static let registry = try! InstitutionRegistry(institutions: [
        .init(
            id: "mydata-op-1", name: "Operator", roles: ["operator", "recipient"],
            keys: [
                .init(
                    id: "mydata-op-1/2026", publicKey: Data(institutionKey.publicKey.rawRepresentation).base64EncodedString(),
                    validFrom: Timestamp(nanoseconds: 0), validUntil: nil)
            ]),
        .init(id: "bank-a", name: "Bank", roles: ["dataHolder"], keys: []),
    ])

    static let secret = try! SubjectSecret(bytes: Array(0..<32))

    /// A VOPRF subject key, and a citizen's blinded request under it (whose blind is random: no evaluation the fuzzer
    /// makes can be this key's answer to it).
    static let subjectKey = try! SubjectOPRF.Key(rawRepresentation: Array(repeating: 0, count: 47) + [7])
    static let subjectKeyRequest = try! SubjectOPRF.Request(subject: "CI-1", publicKey: subjectKey.publicKey)

    static let authorityKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: Array(repeating: 5, count: 32))
    static let authority = RegistryAuthority(id: "registry-authority", keyID: "registry-authority/1", publicKey: authorityKey.publicKey)

    static let rulesV1 = Rules(trust: RegistryTrust(bootstrap: registry, authority: nil), partition: 0, secret: secret)

    /// Rules moved to rules/v2 (a topic of one partition), with the registry file's institutions and keys registered in
    /// the log: every input is judged under both rule sets.
    static let rulesV2: Rules = {
        var rules = Rules(trust: RegistryTrust(bootstrap: registry, authority: authority), partition: 0, secret: secret)
        let changes = [RegistryChange.rulesChanged(rules: Rules.v2, partitionCount: 1)] + registry.changes(now: Timestamp(nanoseconds: 0))
        for (index, change) in changes.enumerated() {
            let value = change.eventValue(
                id: "registry-\(index)", source: authority.id, time: Timestamp(nanoseconds: 0), producerSequence: Int64(index + 1))
            let judgement = rules.judge(IncomingRecord(value: value, headers: authorityHeaders(for: value), kafkaTimestamp: nil))
            precondition(judgement.verdict.isApplied, "the fixture's registry event \(index) was not applied")
        }
        return rules
    }()

    /// Headers that sign `value` with the registry authority's key.
    static func authorityHeaders(for value: [UInt8]) -> [(name: String, value: [UInt8]?)] {
        try! EventSignature.headers(for: value, keyID: authority.keyID, privateKey: authorityKey).map { ($0.name, $0.value) }
    }

    /// An API token issuer that may mint citizens' and institutions' tokens, not regulators'.
    static let tokenIssuer = TokenIssuer(
        keyID: "idp-2026", publicKey: institutionKey.publicKey, issuer: "https://id.example", roles: [.citizen, .institution])

    /// The headers a record signed by `mydata-op-1/2026` carries (the signature is of other bytes: what is checked is
    /// that verifying it neither traps nor passes).
    static let headers: [(name: String, value: [UInt8]?)] = [
        (EventSignature.keyHeader, Array("mydata-op-1/2026".utf8)),
        (EventSignature.signatureHeader, Array(Data(try! institutionKey.signature(for: [1, 2, 3])).base64EncodedString().utf8)),
    ]

    static let logKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: Array(repeating: 7, count: 32))
    static let witnessKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: Array(repeating: 9, count: 32))
    static let origin = LedgerOrigin.of(ledgerName: "consent-ledger.local", topic: LedgerTopic.events, partition: 0)

    static let noteVerifiers = [
        try! NoteVerifier(name: origin, kind: .ed25519, publicKey: Array(logKey.publicKey.rawRepresentation)),
        try! NoteVerifier(name: "witness.example", kind: .cosignatureV1, publicKey: Array(witnessKey.publicKey.rawRepresentation)),
    ]

    static let policy = try! TrustPolicy(log: noteVerifiers[0], witnesses: [noteVerifiers[1]], quorum: 1)

    /// A map of a few subjects, as a proof would be checked against.
    static let subjectMap: SubjectMap = {
        var map = SubjectMap()
        map.update(
            Dictionary(
                uniqueKeysWithValues: (0..<5).map { n in
                    (SHA256Hash.of([UInt8(n)]), SubjectMapValue(count: UInt64(n + 1), chainHead: SHA256Hash.of([UInt8(n), 1])))
                }))
        return map
    }()

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
