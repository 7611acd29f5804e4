import ConsentFixtures
import ConsentModel
import Crypto
import Foundation
import LedgerAPI
import LedgerClient
import LedgerFormat
import LedgerStore
import LedgerStoreFixtures
import MerkleLog
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A citizen's history served by the real API over HTTP, as `ledgerctl history` reads it.
@Suite("A citizen's verified history", .serialized, .timeLimit(.minutes(10)))
struct CitizenHistoryTests {
    let fixtures = Fixtures()
    let ledgerKey = Curve25519.Signing.PrivateKey()

    /// Citizen A: a consent, a covered access and one for a purpose not consented, checkpointed; then one
    /// more access no checkpoint covers yet. Citizen B: a consent only. `witness`, if given, cosigns the checkpoint;
    /// with `noise`, A's history also holds a forged access (its signature fails) and a replayed one. `body` gets the
    /// ledger file's tampering fixture too. `secret` keys the subject references (the fixtures' HMAC secret by default).
    func serve(
        cosignedBy witness: NoteSigner? = nil, noise: Bool = false, secret: SubjectSecret? = nil, statement: String? = nil,
        rewrite: (@Sendable (_ path: String, _ body: String) -> String)? = nil,
        _ body: (URL, String, LedgerFileTampering) async throws -> Void
    ) async throws {
        let secret = secret ?? fixtures.secret
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("h-\(UUID().uuidString).sqlite").path
        let keys = try PayloadKeys.inTests(URL(fileURLWithPath: path + ".keys"))
        let ledger = try PartitionLedger(path: path, origin: "test-ledger/events/0", topic: "events", partition: 0, keys: keys)
        var rules = Rules(registry: fixtures.registry, secret: secret)
        func event(_ type: String, _ seq: Int64, _ subject: String, _ data: [String: Any]) -> IncomingRecord {
            fixtures.record(
                Fixtures.envelope(
                    type: type, id: "e-\(seq)", source: "mydata-op-1", seq: seq, time: "2026-04-0\(seq)T00:00:00Z", subject: subject,
                    data: data))
        }
        try await ledger.append(
            [
                event("consent.granted", 1, "CI-A", Fixtures.grant("c-1")),
                event("access.performed", 2, "CI-A", Fixtures.access(at: "2026-04-02T00:00:00Z")),
                event("consent.granted", 3, "CI-B", Fixtures.grant("c-2")),
                event("access.performed", 4, "CI-A", Fixtures.access(at: "2026-04-04T00:00:00Z", purpose: "marketing")),
            ], judgedBy: &rules)
        if noise {
            var forged = event("access.performed", 6, "CI-A", Fixtures.access(at: "2026-04-06T00:00:00Z"))
            forged.value = forged.value.map { $0 + Array(" ".utf8) }
            try await ledger.append(
                [forged, event("access.performed", 2, "CI-A", Fixtures.access(at: "2026-04-02T00:00:00Z"))], judgedBy: &rules)
        }
        var (_, note, _) = try await ledger.signCheckpoint(with: try NoteSigner(name: ledger.origin, kind: .ed25519, privateKey: ledgerKey))
        if let witness {
            try note.sign(with: witness, timestamp: 1_775_000_000)
            #expect(try await ledger.storeCosigned(note, witness: witness.verifier.name))
        }
        try await ledger.append([event("access.performed", 5, "CI-A", Fixtures.access(at: "2026-04-05T00:00:00Z"))], judgedBy: &rules)

        try await servingAPI([ledger], registry: fixtures.registry, secret: secret, subjectKeyStatement: statement, rewrite: rewrite) {
            url, token in
            try await body(url, try await token(.citizen, "CI-A"), LedgerFileTampering(path: path, keys: keys))
        }
    }

    @Test(
        "after an erasure, the erased entries are still listed and proven, with what their leaves say; one marked erased without it is refused"
    )
    func erasedEntries() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("h-\(UUID().uuidString).sqlite").path
        let keys = try PayloadKeys.inTests(URL(fileURLWithPath: path + ".keys"))
        let ledger = try PartitionLedger(path: path, origin: "test-ledger/events/0", topic: "events", partition: 0, keys: keys)
        var registry = Rules(
            trust: RegistryTrust(bootstrap: fixtures.registry, authority: fixtures.authority), partition: 0, secret: fixtures.secret)
        try await ledger.append(fixtures.registryRecords(partitionCount: 1), judgedBy: &registry)
        var rules = fixtures.rulesV2()
        func event(_ type: String, _ seq: Int64, _ source: String, _ day: String, _ data: [String: Any]) -> IncomingRecord {
            fixtures.record(
                Fixtures.envelope(
                    type: type, id: "\(source)-\(seq)", source: source, seq: seq, time: "2026-04-\(day)T00:00:00Z", subject: "CI-A",
                    data: data))
        }
        let erasures = try await ledger.append(
            [
                event("consent.granted", 1, "mydata-op-1", "01", Fixtures.grant("c-1")),
                event("access.performed", 2, "mydata-op-1", "02", Fixtures.access(at: "2026-04-02T00:00:00Z")),
                event("access.performed", 3, "mydata-op-1", "04", Fixtures.access(at: "2026-04-04T00:00:00Z")),
                // bank-a, the holder, for the citizen: the records before 3 April.
                event(
                    "subject.erasure-requested", 1, "bank-a", "05",
                    ["requestId": "case-1", "initiatedBy": "subject", "scope": "before", "before": "2026-04-03T00:00:00Z"]),
            ], judgedBy: &rules)
        #expect(erasures.map(\.erased) == [2])
        try await ledger.signCheckpoint(with: try NoteSigner(name: ledger.origin, kind: .ed25519, privateKey: ledgerKey))
        let first = ledger.size - 4
        try await servingAPI([ledger], registry: fixtures.registry, secret: fixtures.secret) { url, token in
            let citizen = try await token(.citizen, "CI-A")
            let history = try await CitizenHistory.fetch(from: url, token: citizen, ledgerKey: ledgerKey.publicKey)
            #expect(history.ledgers.map(\.entries) == [4], "the grant, both accesses and the request: nothing hidden")
            #expect(history.accesses.map(\.index) == [first + 1, first + 2] && history.accesses.allSatisfy(\.isProven))
            #expect(history.accesses.map(\.outcome) == ["covered", "covered"], "the erased access's verdict, from its leaf")
            #expect(history.accesses.map(\.purpose) == [nil, "financial-overview"], "the erased record says nothing more")

            // The API (and the page, which shows it) says who asked for the erasure and when, from the erasing leaf.
            var request = URLRequest(url: url.appendingPathComponent("v1/me/accesses"))
            request.setValue("Bearer \(citizen)", forHTTPHeaderField: "Authorization")
            let (body, _) = try await URLSession.shared.data(for: request)
            let items = try #require((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["items"] as? [[String: Any]])
            let erasure = try #require(items.first?["erasure"] as? [String: Any])
            #expect(erasure["index"] as? Int == Int(first + 3) && erasure["at"] as? String == "2026-04-05T00:00:00Z")
            #expect((erasure["institution"] as? [String: Any])?["id"] as? String == "bank-a")
            #expect(items.dropFirst().allSatisfy { $0["erasure"] == nil })

            // The kept access marked erased by the request, whose scope does not cover it: refused.
            try LedgerFileTampering(path: path, keys: keys).markErased(ofLeaf: first + 2, by: first + 3)
            let error = await #expect(throws: LedgerClientError.self) {
                _ = try await CitizenHistory.fetch(from: url, token: citizen, ledgerKey: ledgerKey.publicKey)
            }
            #expect(error?.reason.contains("is said to be erased by leaf \(first + 3)") == true, "\(String(describing: error))")
        }
    }

    @Test("verifies under the ledger key: every access, proven complete up to the checkpoint, the newest one marked unproven")
    func verifies() async throws {
        try await serve { url, token, _ in
            let history = try await CitizenHistory.fetch(from: url, token: token, ledgerKey: ledgerKey.publicKey)
            #expect(history.ledgers.map(\.size) == [4] && history.ledgers.map(\.entries) == [3], "A's consent and two accesses")
            #expect(history.accesses.count == 3)
            #expect(history.accesses.filter(\.isProven).map(\.outcome).sorted() == ["covered", "purpose-not-covered"])
            #expect(history.accesses.filter { !$0.isProven }.map(\.index) == [4])
            let proven = history.accesses.filter(\.isProven)
            #expect(proven.map(\.purpose) == ["financial-overview", "marketing"], "read from the records' own bytes")
            #expect(proven.map(\.occurredAt) == ["2026-04-02T00:00:00Z", "2026-04-04T00:00:00Z"])
        }
    }

    @Test("with the published subject key: the citizen's own reference by the blinded protocol, and proofs about any other refused")
    func ownSubjectKey() async throws {
        let key = SubjectOPRF.Key()
        try await serve(secret: SubjectSecret(voprf: key)) { url, token, _ in
            let history = try await CitizenHistory.fetch(
                from: url, token: token, ledgerKey: ledgerKey.publicKey, subject: .init(identifier: "CI-A", key: key.publicKey))
            #expect(history.accesses.filter(\.isProven).count == 2)

            // A server answering about another subject (here: the token's, which is not the identifier the citizen
            // holds) proves nothing about the citizen.
            let other = await #expect(throws: LedgerClientError.self) {
                _ = try await CitizenHistory.fetch(
                    from: url, token: token, ledgerKey: ledgerKey.publicKey, subject: .init(identifier: "CI-B", key: key.publicKey))
            }
            #expect(other?.code == .unproven && other?.reason.contains("not yours") == true, "\(String(describing: other))")
            // An evaluation the published key did not make is refused before anything else is read.
            let unpublished = await #expect(throws: LedgerClientError.self) {
                _ = try await CitizenHistory.fetch(
                    from: url, token: token, ledgerKey: ledgerKey.publicKey,
                    subject: .init(identifier: "CI-A", key: SubjectOPRF.Key().publicKey))
            }
            #expect(unpublished?.reason.contains("does not prove it used its published subject key") == true)
        }
        // A ledgerd keeping an HMAC secret has no subject key to offer.
        try await serve { url, token, _ in
            let error = await #expect(throws: LedgerClientError.self) {
                _ = try await CitizenHistory.fetch(
                    from: url, token: token, ledgerKey: ledgerKey.publicKey, subject: .init(identifier: "CI-A", key: key.publicKey))
            }
            #expect(error?.reason.contains("offers no subject key") == true)
        }
    }

    @Test("the ledger's signed statement gives its subject key; one another key signed is refused")
    func statedSubjectKey() async throws {
        let key = SubjectOPRF.Key()
        let statement = SubjectKeyStatement(ledger: "test-ledger", key: key.publicKey)
        try await serve(secret: SubjectSecret(voprf: key), statement: try statement.signed(with: ledgerKey)) { url, token, _ in
            let stated = try await CitizenHistory.statedSubjectKey(from: url, token: token, ledgerKey: ledgerKey.publicKey)
            #expect(stated == key.publicKey)
            let history = try await CitizenHistory.fetch(
                from: url, token: token, ledgerKey: ledgerKey.publicKey, subject: .init(identifier: "CI-A", key: stated))
            #expect(history.accesses.filter(\.isProven).count == 2)
        }
        try await serve(secret: SubjectSecret(voprf: key), statement: try statement.signed(with: .init())) { url, token, _ in
            let error = await #expect(throws: LedgerClientError.self) {
                _ = try await CitizenHistory.statedSubjectKey(from: url, token: token, ledgerKey: ledgerKey.publicKey)
            }
            #expect(error?.code == .unproven && error?.reason.contains("not signed by the ledger key") == true)
        }
    }

    @Test("refuses a history whose checkpoints another key signed")
    func wrongKey() async throws {
        try await serve { url, token, _ in
            let error = await #expect(throws: LedgerClientError.self) {
                _ = try await CitizenHistory.fetch(from: url, token: token, ledgerKey: Curve25519.Signing.PrivateKey().publicKey)
            }
            #expect(error?.code == .unproven)
        }
    }

    @Test("under a witness policy: checkpoints its quorum cosigned verify; without those cosignatures, or with a stranger's, refused")
    func witnessed() async throws {
        let witness = try NoteSigner(name: "witness.example", kind: .cosignatureV1, privateKey: .init())
        let stranger = try NoteSigner(name: "stranger.example", kind: .cosignatureV1, privateKey: .init())
        let policy = "witness \(witness.verifier.vkey)\nquorum 1\n"
        try await serve(cosignedBy: witness) { url, token, _ in
            let history = try await CitizenHistory.fetch(from: url, token: token, ledgerKey: ledgerKey.publicKey, witnessPolicy: policy)
            #expect(history.isWitnessed && history.ledgers.map(\.witnessedBy) == [["witness.example"]])
            let unwitnessed = try await CitizenHistory.fetch(from: url, token: token, ledgerKey: ledgerKey.publicKey)
            #expect(!unwitnessed.isWitnessed && unwitnessed.ledgers.map(\.witnessedBy) == [[]], "no policy, nothing claimed")
        }
        for cosigner in [nil, stranger] {
            try await serve(cosignedBy: cosigner) { url, token, _ in
                let error = await #expect(throws: LedgerClientError.self) {
                    _ = try await CitizenHistory.fetch(from: url, token: token, ledgerKey: ledgerKey.publicKey, witnessPolicy: policy)
                }
                #expect(error?.code == .unproven)
                #expect(
                    error?.reason.contains("carries the cosignatures of 0 of the 1 witnesses the policy requires") == true,
                    "\(String(describing: error))")
            }
        }
    }

    @Test("counts as violations only accesses no consent covered: a forged record and a replay are named for what they are")
    func violationsCounted() async throws {
        try await serve(noise: true) { url, token, _ in
            let history = try await CitizenHistory.fetch(from: url, token: token, ledgerKey: ledgerKey.publicKey)
            #expect(history.accesses.map(\.outcome).sorted() == ["covered", "covered", "not-applied", "purpose-not-covered", "rejected"])
            #expect(history.accesses.filter(\.isViolation).map(\.outcome) == ["purpose-not-covered"])
            let replay = history.accesses.first { $0.outcome == "not-applied" }
            #expect(replay?.findings == ["duplicate-event-id", "sequence-replay"], "the replay says why")
        }
    }

    @Test("a history longer than one page is fetched page by page, and every page chains into the proven head")
    func pagedHistory() async throws {
        let ledger = try PartitionLedger(
            path: FileManager.default.temporaryDirectory.appendingPathComponent("h-\(UUID().uuidString).sqlite").path,
            origin: "test-ledger/events/0", topic: "events", partition: 0,
            keys: try PayloadKeys.inTests(FileManager.default.temporaryDirectory.appendingPathComponent("k-\(UUID().uuidString)")))
        var rules = Rules(registry: fixtures.registry, secret: fixtures.secret)
        let records = [Fixtures.grant("c-1")] + (0..<230).map { _ in Fixtures.access(at: "2026-04-02T00:00:00Z") }
        try await ledger.append(
            records.enumerated().map { offset, data in
                fixtures.record(
                    Fixtures.envelope(
                        type: offset == 0 ? "consent.granted" : "access.performed", id: "e-\(offset)", source: "mydata-op-1",
                        seq: Int64(offset + 1), time: "2026-04-02T00:00:00Z", subject: "CI-A", data: data))
            }, judgedBy: &rules)
        try await ledger.signCheckpoint(with: try NoteSigner(name: ledger.origin, kind: .ed25519, privateKey: ledgerKey))
        try await servingAPI([ledger], registry: fixtures.registry, secret: fixtures.secret) { url, token in
            let history = try await CitizenHistory.fetch(
                from: url, token: try await token(.citizen, "CI-A"), ledgerKey: ledgerKey.publicKey)
            #expect(history.ledgers.map(\.entries) == [231], "the consent and 230 accesses, over three pages")
            #expect(history.accesses.count == 230 && history.accesses.allSatisfy(\.isProven))
        }
    }

    @Test("a list that hides a proven access, or shows one other than its leaf says, is refused")
    func dishonestList() async throws {
        try await serve { url, token, tamper in
            // Leaf 3 is A's access for a purpose not consented: taken off the list of accesses by the query index.
            try tamper.replaceIndexedEventType(ofLeaf: 3, with: "consent.granted")
            let error = await #expect(throws: LedgerClientError.self) {
                _ = try await CitizenHistory.fetch(from: url, token: token, ledgerKey: ledgerKey.publicKey)
            }
            #expect(error?.code == .unproven && error?.reason.contains("the access at leaf 3 is proven but not listed") == true)
        }
        try await serve { url, token, tamper in
            try tamper.replaceValue(ofLeaf: 1, with: Array("{}".utf8))
            let error = await #expect(throws: LedgerClientError.self) {
                _ = try await CitizenHistory.fetch(from: url, token: token, ledgerKey: ledgerKey.publicKey)
            }
            #expect(error?.reason.contains("the record given for entry 1 is not the one its leaf commits to") == true)
        }
        // The server says the access at leaf 3 was covered (ledgerd reads verdicts from the leaves, so it takes a lie).
        let lie: @Sendable (String, String) -> String = { path, body in
            path == "/v1/me/accesses"
                ? body.replacingOccurrences(of: "\"outcome\":\"purpose-not-covered\"", with: "\"outcome\":\"covered\"") : body
        }
        try await serve(rewrite: lie) { url, token, _ in
            let error = await #expect(throws: LedgerClientError.self) {
                _ = try await CitizenHistory.fetch(from: url, token: token, ledgerKey: ledgerKey.publicKey)
            }
            #expect(
                error?.reason.contains(
                    "(mydata-op-1, covered) is not what its leaf says (access.performed by mydata-op-1, purpose-not-covered)") == true,
                "\(String(describing: error))")
        }
    }
}

/// The whole-history bundle: fetched, kept, and checked offline.
@Suite("A citizen's history bundle", .serialized, .timeLimit(.minutes(10)))
struct HistoryBundleTests {
    let history = CitizenHistoryTests()
    let key = SubjectOPRF.Key()
    let witness = try! NoteSigner(name: "witness.example", kind: .cosignatureV1, privateKey: .init())
    var policy: String { "witness \(witness.verifier.vkey)\nquorum 1\n" }

    /// A's bundle, as `ledgerctl history --save` keeps it, from a ledger with a VOPRF key, its statement and a witness.
    func savedBundle() async throws -> [UInt8] {
        let statement = try SubjectKeyStatement(ledger: "test-ledger", key: key.publicKey).signed(with: history.ledgerKey)
        var saved: [UInt8] = []
        try await history.serve(cosignedBy: witness, secret: SubjectSecret(voprf: key), statement: statement) { url, token, _ in
            let (bundle, fetched) = try await CitizenHistory.fetchBundle(
                from: url, token: token, ledgerKey: history.ledgerKey.publicKey, witnessPolicy: policy,
                subject: .init(identifier: "CI-A", key: key.publicKey))
            #expect(bundle.subject == "CI-A" && fetched.isWitnessed)
            #expect(fetched.accesses.allSatisfy { $0.isProven }, "only what a checkpoint covers: the newest access is not in it")
            saved = bundle.json

            // A bundle about another citizen than the one the client blinds is refused.
            let other = await #expect(throws: LedgerClientError.self) {
                _ = try await CitizenHistory.fetchBundle(
                    from: url, token: token, ledgerKey: history.ledgerKey.publicKey, subject: .init(identifier: "CI-B", key: key.publicKey))
            }
            #expect(other?.code == .unproven)
        }
        return saved
    }

    func check(_ json: [UInt8]) throws -> CitizenHistory {
        try HistoryBundle(json: json).check(ledgerKey: history.ledgerKey.publicKey, witnessPolicy: policy, subjectKey: key.publicKey)
    }

    @Test("a saved bundle checks offline and proves every access a checkpoint covers, each fact from its record's bytes")
    func checksOffline() async throws {
        let checked = try check(try await savedBundle())
        #expect(checked.ledgers.map(\.entries) == [3] && checked.ledgers.map(\.witnessedBy) == [["witness.example"]])
        #expect(checked.accesses.map(\.index) == [1, 3])
        #expect(checked.accesses.map(\.outcome) == ["covered", "purpose-not-covered"])
        #expect(checked.accesses.map(\.purpose) == ["financial-overview", "marketing"])
        #expect(checked.accesses.map(\.occurredAt) == ["2026-04-02T00:00:00Z", "2026-04-04T00:00:00Z"])
        #expect(checked.accesses.allSatisfy { $0.institution == "mydata-op-1" && $0.recordCount != nil && $0.dataHolder != nil })

        // Under another ledger key, another subject key or a witness that did not cosign, the same bundle proves nothing.
        let bundle = try HistoryBundle(json: try await savedBundle())
        #expect(throws: LedgerClientError.self) {
            _ = try bundle.check(ledgerKey: Curve25519.Signing.PrivateKey().publicKey, witnessPolicy: nil, subjectKey: nil)
        }
        #expect(throws: LedgerClientError.self) {
            _ = try bundle.check(ledgerKey: history.ledgerKey.publicKey, witnessPolicy: nil, subjectKey: SubjectOPRF.Key().publicKey)
        }
        let stranger = try NoteSigner(name: "stranger.example", kind: .cosignatureV1, privateKey: .init())
        #expect(throws: LedgerClientError.self) {
            _ = try bundle.check(
                ledgerKey: history.ledgerKey.publicKey, witnessPolicy: "witness \(stranger.verifier.vkey)\nquorum 1\n", subjectKey: nil)
        }
    }

    @Test("a bundle with any byte changed fails its check, unless the change is only of spelling (base64's unused bits)")
    func everyByteCounts() async throws {
        let saved = try await savedBundle()
        let content = try HistoryBundle(json: saved).json
        var passed: [String] = []
        for position in saved.indices {
            var flipped = saved
            flipped[position] ^= 0x01
            if (try? check(flipped)) != nil, (try? HistoryBundle(json: flipped).json) != content {
                passed.append(String(decoding: saved[max(0, position - 30)..<min(saved.count, position + 10)], as: UTF8.self))
            }
        }
        #expect(passed.isEmpty, "\(passed.count) flips passed: \(passed.prefix(20))")
    }
}
