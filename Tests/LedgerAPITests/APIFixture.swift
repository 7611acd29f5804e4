import APITokens
import ConsentFixtures
import ConsentModel
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerAPI
import LedgerFormat
import LedgerStore
import Logging
import MerkleLog

/// Two partition ledgers written through the real rules and store, checkpointed, then grown by one
/// leaf no checkpoint covers; served by the real API with a test token issuer.
///
/// Partition 0: citizen A's consent c-1 (holder bank-a, recipient mydata-op-1), a covered access, one
/// for a purpose not consented, the revocation (effective 2026-05-01T00:00:00.515Z), an access 5 ms after
/// it in the same second, and a forged record in mydata-op-1's name; after the checkpoint, one more covered access.
/// Partition 1: citizen B's consent c-2 for insurer-i, a covered access, one beyond its categories,
/// and an access to citizen A's data by mydata-op-1 under no consent.
/// With `transmissions`, partition 2 too (of 3; citizen A's under rules/v2): the registry authority's records, citizen
/// A's consent c-3 with a weekly schedule, and three MyData transmissions by mydata-op-1 (T1 and T2 scheduled three
/// days apart, T3 on the citizen's refresh).
struct APIFixture: Sendable {
    static let citizenA = "CI-A"
    static let citizenB = "CI-B"

    let fixtures = Fixtures()
    let ledgers: [PartitionLedger]
    let signingKey = Curve25519.Signing.PrivateKey()
    let issuerKey = Curve25519.Signing.PrivateKey()
    let tokens: TokenVerifier

    /// The secret the API derives citizens' subject references with (the fixtures' HMAC secret unless given).
    let subjectSecret: SubjectSecret
    /// Where partition `p`'s ledger file is `p.sqlite`, for tests that change it behind the API's back.
    let directory: URL
    /// The key store the fixture's ledgers seal their records under.
    let keys: PayloadKeys

    init(transmissions: Bool = false, subjectSecret: SubjectSecret? = nil) async throws {
        self.subjectSecret = subjectSecret ?? fixtures.secret
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("api-\(UUID().uuidString)")
        self.directory = directory
        let keys = try PayloadKeys.inTests(directory)
        self.keys = keys
        func open(_ partition: Int32) throws -> PartitionLedger {
            try PartitionLedger(
                path: directory.appendingPathComponent("\(partition).sqlite").path, origin: "test-ledger/events/\(partition)",
                topic: "events", partition: partition, keys: keys)
        }
        ledgers = try (transmissions ? [0, 1, 2] : [0, 1]).map(open)
        tokens = await TokenVerifier(issuers: [TokenIssuer(keyID: "test-issuer", publicKey: issuerKey.publicKey, issuer: "test")])

        let a = Self.citizenA
        let b = Self.citizenB
        func event(_ type: String, _ id: String, _ source: String, _ seq: Int64, _ time: String, _ subject: String, _ data: [String: Any])
            -> [String: Any]
        {
            Fixtures.envelope(type: type, id: id, source: source, seq: seq, time: time, subject: subject, data: data)
        }
        var forged = fixtures.record(event("access.performed", "e-forged", "mydata-op-1", 6, "2026-06-02T00:00:00Z", a, [:]))
        forged.value = Fixtures.bytes(
            event("access.performed", "e-forged", "mydata-op-1", 6, "2026-06-02T00:00:00Z", a, Fixtures.access(at: "2026-06-02T00:00:00Z")))
        let fixtures = self.fixtures
        var rules = [Rules](repeating: Rules(registry: fixtures.registry, secret: self.subjectSecret), count: 2)
        func append(_ partition: Int, _ records: [IncomingRecord]) async throws {
            try await ledgers[partition].append(records, judgedBy: &rules[partition])
        }
        func access(
            _ id: String, _ seq: Int64, _ day: String, at clock: String = "00:00:00", subject: String = a,
            accessor: String = "mydata-op-1", purpose: String = "financial-overview",
            categories: [String] = ["finance.account.transactions"]
        ) -> IncomingRecord {
            let time = "2026-\(day)T\(clock)Z"
            return fixtures.record(
                event(
                    "access.performed", id, accessor, seq, time, subject,
                    Fixtures.access(at: time, accessor: accessor, purpose: purpose, categories: categories)))
        }
        try await append(
            0,
            [
                fixtures.record(event("consent.granted", "e-1", "mydata-op-1", 1, "2026-03-01T00:00:00Z", a, Fixtures.grant("c-1"))),
                access("e-2", 2, "04-01"),
                access("e-3", 3, "04-02", purpose: "marketing"),
                fixtures.record(
                    event(
                        "consent.revoked", "e-4", "mydata-op-1", 4, "2026-05-01T00:00:00Z", a,
                        Fixtures.revoke("c-1", at: "2026-05-01T00:00:00.515Z"))),
                access("e-5", 5, "05-01", at: "00:00:00.520"),
                forged,
            ])
        try await append(
            1,
            [
                fixtures.record(
                    event(
                        "consent.granted", "i-1", "insurer-i", 1, "2026-03-01T00:00:00Z", b,
                        Fixtures.grant("c-2", recipients: ["insurer-i"]))),
                access("i-2", 2, "04-01", subject: b, accessor: "insurer-i"),
                access("i-3", 3, "04-02", subject: b, accessor: "insurer-i", categories: ["health.records"]),
                access("e-6", 6, "04-03"),
            ])
        if transmissions {
            var grant = Fixtures.grant("c-3")
            grant["schedule"] = ["kind": "periodic", "interval": "P1W"]
            func transmission(_ id: String, _ seq: Int64, _ day: String, _ type: String) -> IncomingRecord {
                var data = Fixtures.access(at: "2026-\(day)T00:00:00Z")
                data["accessId"] = "a-\(id)"
                data["transmissionId"] = id
                data["transmissionType"] = type
                return fixtures.record(event("access.performed", "m-\(id)", "mydata-op-1", seq, "2026-\(day)T00:00:00Z", a, data))
            }
            var v2 = Rules(
                trust: RegistryTrust(bootstrap: fixtures.registry, authority: fixtures.authority), partition: 2, secret: self.subjectSecret)
            try await ledgers[2].append(
                fixtures.registryRecords(partitionCount: 3) + [
                    fixtures.record(event("consent.granted", "m-1", "bank-a", 1, "2026-03-01T00:00:00Z", a, grant)),
                    transmission("T1", 1, "04-01", "scheduled"), transmission("T2", 2, "04-04", "scheduled"),
                    transmission("T3", 3, "04-05", "user-refresh"),
                ], judgedBy: &v2)
        }
        for ledger in ledgers {
            try await ledger.signCheckpoint(with: try NoteSigner(name: ledger.origin, kind: .ed25519, privateKey: signingKey))
        }
        try await append(0, [access("e-7", 7, "04-05")])
    }

    /// A signed token for `role`, or `nil` for no token at all.
    func token(_ caller: TestCaller) async throws -> String? {
        guard let (role, subject) = caller.claims else { return nil }
        let token = APIToken(role: role, subject: subject, issuer: "test", lifetime: 600)
        return try await TokenVerifier.sign(token, with: issuerKey, kid: "test-issuer")
    }

    var application: some ApplicationProtocol { get throws { try application(trusting: tokens) } }

    func application(trusting tokens: TokenVerifier) throws -> some ApplicationProtocol {
        let router = Router()
        let ledgers = self.ledgers
        var logger = Logger(label: "api-test")
        logger.logLevel = .critical
        try LedgerRoutes.add(
            to: router, ledgers: { ledgers }, names: InstitutionNames(registry: fixtures.registry), subjectSecret: subjectSecret,
            subjectKeyStatement: try subjectSecret.oprfKey.map {
                try SubjectKeyStatement(ledger: "test-ledger", key: $0.publicKey).signed(with: signingKey)
            }, portalKeys: PortalKeys(ledgerKey: signingKey.publicKey, witnesses: []),
            tokens: tokens, logger: logger)
        return Application(router: router)
    }

    /// What a verifier trusts for one partition's ledger: its origin under the ledger's key.
    func policy(_ partition: Int) throws -> TrustPolicy {
        try TrustPolicy(
            log: try NoteVerifier(name: ledgers[partition].origin, kind: .ed25519, publicKey: Array(signingKey.publicKey.rawRepresentation))
        )
    }
}

/// The callers every route is tried with.
enum TestCaller: String, CaseIterable, Sendable, CustomStringConvertible {
    case none, citizenA, citizenB, institutionX, institutionY, regulator

    var claims: (APIToken.Role, String)? {
        switch self {
        case .none: nil
        case .citizenA: (.citizen, APIFixture.citizenA)
        case .citizenB: (.citizen, APIFixture.citizenB)
        case .institutionX: (.institution, "mydata-op-1")
        case .institutionY: (.institution, "insurer-i")
        case .regulator: (.regulator, "auditor")
        }
    }

    var description: String { rawValue }
}

extension TestClientProtocol {
    /// GETs `uri` as `caller` and hands back the status, content type and body.
    func get(_ uri: String, as caller: TestCaller, fixture: APIFixture) async throws -> (
        status: HTTPResponse.Status, type: String?, body: ByteBuffer
    ) {
        var headers: HTTPFields = [:]
        if let token = try await fixture.token(caller) { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: .get, headers: headers) { ($0.status, $0.headers[.contentType], $0.body) }
    }

    /// POSTs `json` to `uri` as `caller` and hands back the status, content type and body.
    func post(_ uri: String, json: String, as caller: TestCaller, fixture: APIFixture) async throws -> (
        status: HTTPResponse.Status, type: String?, body: ByteBuffer
    ) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token = try await fixture.token(caller) { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json)) {
            ($0.status, $0.headers[.contentType], $0.body)
        }
    }
}
