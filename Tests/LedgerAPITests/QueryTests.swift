import ConsentModel
import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerAPI
import LedgerStoreFixtures
import MerkleLog
import Testing

@Suite("What each audience reads", .timeLimit(.minutes(10)))
struct QueryTests {
    struct Position: Decodable, Equatable { let partition: Int32, index: UInt64, leafHash: String }
    struct Access: Decodable {
        let position: Position, outcome: String, consentId: String?, purpose: String?, institution: Institution, findings: [String]
        let transmissionId: String?, transmissionType: String?
    }
    struct Institution: Decodable { let id: String, name: String? }
    struct Page<Item: Decodable>: Decodable { let items: [Item], nextCursor: String? }
    struct Entry: Decodable { let position: Position, outcome: String, verdict: String, eventId: String? }
    struct Receipt: Decodable { let position: Position, eventId: String, proof: String? }
    struct Consent: Decodable {
        struct Institution: Decodable { let id: String, name: String? }
        struct Position: Decodable { let ledger: String, index: Int }
        struct Change: Decodable {
            enum Kind: String, Decodable { case granted, regranted, revoked, superseded }
            let change: Kind, by: Institution, position: Position
        }
        let consentId: String, status: String, revokedAt: String?, grantedBy: Institution, changes: [Change]
    }

    static func decode<T: Decodable>(_ type: T.Type, _ response: (status: HTTPResponse.Status, type: String?, body: ByteBuffer)) throws -> T
    {
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        return try JSONDecoder().decode(T.self, from: Data(buffer: response.body))
    }

    static func places(_ positions: [Position]) -> [String] { positions.map { "\($0.partition):\($0.index)" } }

    @Test("a citizen's history lists their accesses in every ledger, with verdicts, filters and pages that add up")
    func citizenHistory() async throws {
        let fixture = try await APIFixture()
        try await fixture.application.test(.router) { client in
            let all = try Self.decode(Page<Access>.self, try await client.get("/v1/me/accesses", as: .citizenA, fixture: fixture))
            #expect(Self.places(all.items.map(\.position)) == ["0:1", "0:2", "0:4", "0:5", "0:6", "1:3"])
            #expect(all.items.map(\.outcome) == ["covered", "purpose-not-covered", "revoked", "rejected", "covered", "no-consent"])
            #expect(all.items[0].consentId == "c-1" && all.items[0].purpose == "financial-overview")
            #expect(all.items[0].institution.id == "mydata-op-1" && all.items[0].institution.name != nil)
            #expect(all.nextCursor == nil)

            let covered = try Self.decode(
                Page<Access>.self, try await client.get("/v1/me/accesses?verdict=covered", as: .citizenA, fixture: fixture))
            #expect(Self.places(covered.items.map(\.position)) == ["0:1", "0:6"])
            let april = try Self.decode(
                Page<Access>.self,
                try await client.get(
                    "/v1/me/accesses?from=2026-04-02T00:00:00Z&until=2026-05-01T00:00:00Z", as: .citizenA, fixture: fixture))
            #expect(Self.places(april.items.map(\.position)) == ["0:2", "0:6", "1:3"])
            let marketing = try Self.decode(
                Page<Access>.self, try await client.get("/v1/me/accesses?purpose=marketing", as: .citizenA, fixture: fixture))
            #expect(Self.places(marketing.items.map(\.position)) == ["0:2"])

            var walked: [Position] = []
            var cursor: String?
            repeat {
                let uri = "/v1/me/accesses?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try Self.decode(Page<Access>.self, try await client.get(uri, as: .citizenA, fixture: fixture))
                #expect(page.items.count <= 2)
                walked += page.items.map(\.position)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(walked == all.items.map(\.position))

            let other = try Self.decode(Page<Access>.self, try await client.get("/v1/me/accesses", as: .citizenB, fixture: fixture))
            #expect(Self.places(other.items.map(\.position)) == ["1:1", "1:2"])
            #expect(other.items.map(\.outcome) == ["covered", "category-not-covered"])
        }
    }

    @Test("a citizen's access says what its leaf and record say, whatever the query index says")
    func factsFromBytes() async throws {
        let fixture = try await APIFixture()
        let tamper = LedgerFileTampering(path: fixture.directory.appendingPathComponent("0.sqlite").path, keys: fixture.keys)
        // Leaf 0:2 is A's access for a purpose not consented: the index now calls it covered, and its record is another.
        try tamper.replaceIndexedOutcome(ofLeaf: 2, with: "covered")
        try tamper.replaceValue(ofLeaf: 2, with: Array("{}".utf8))
        try await fixture.application.test(.router) { client in
            let all = try Self.decode(Page<Access>.self, try await client.get("/v1/me/accesses", as: .citizenA, fixture: fixture))
            let access = try #require(all.items.first { $0.position.partition == 0 && $0.position.index == 2 })
            #expect(access.outcome == "purpose-not-covered" && access.consentId == "c-1", "the verdict is the leaf's")
            #expect(access.purpose == nil, "a record that is not the one its leaf commits to is not read")
            #expect(all.items.map(\.outcome) == ["covered", "purpose-not-covered", "revoked", "rejected", "covered", "no-consent"])
        }
    }

    @Test("a citizen finds a MyData transmission by its transaction id or type, and sees a scheduled run outside its cycle")
    func transmissions() async throws {
        let fixture = try await APIFixture(transmissions: true)
        try await fixture.application.test(.router) { client in
            var page = try Self.decode(
                Page<Access>.self, try await client.get("/v1/me/accesses?transmissionId=T2", as: .citizenA, fixture: fixture))
            #expect(page.items.map(\.transmissionId) == ["T2"] && page.items.map(\.transmissionType) == ["scheduled"])
            #expect(page.items.map(\.consentId) == ["c-3"] && page.items.map(\.outcome) == ["covered"])
            #expect(page.items.map(\.findings) == [["outside-cycle"]], "3 days after T1 on a weekly cycle")
            page = try Self.decode(
                Page<Access>.self, try await client.get("/v1/me/accesses?transmissionType=scheduled", as: .citizenA, fixture: fixture))
            #expect(page.items.map(\.transmissionId) == ["T1", "T2"] && page.items.allSatisfy { $0.position.partition == 2 })
            page = try Self.decode(
                Page<Access>.self, try await client.get("/v1/me/accesses?transmissionType=user-refresh", as: .citizenA, fixture: fixture))
            #expect(page.items.map(\.transmissionId) == ["T3"] && page.items.map(\.findings) == [[]])
            page = try Self.decode(
                Page<Access>.self, try await client.get("/v1/me/accesses?transmissionId=T9", as: .citizenA, fixture: fixture))
            #expect(page.items.isEmpty)
            page = try Self.decode(Page<Access>.self, try await client.get("/v1/me/accesses?limit=100", as: .citizenA, fixture: fixture))
            #expect(page.items.compactMap(\.transmissionId) == ["T1", "T2", "T3"], "the other ledgers' accesses carry none")
        }
    }

    @Test("times keep their fraction of a second, and from/until take any RFC 3339 date-time, fractions and offsets included")
    func timePrecision() async throws {
        struct Timed: Decodable { let position: Position, occurredAt: String? }
        let fixture = try await APIFixture()
        try await fixture.application.test(.router) { client in
            func accesses(_ query: String) async throws -> [String] {
                let page = try Self.decode(
                    Page<Timed>.self, try await client.get("/v1/me/accesses?\(query)", as: .citizenA, fixture: fixture))
                return page.items.compactMap(\.occurredAt)
            }
            // The access 5 ms after the revocation, in the same second: the order shows.
            #expect(try await accesses("verdict=revoked") == ["2026-05-01T00:00:00.52Z"])
            #expect(try await accesses("from=2026-05-01T00:00:00.515Z&until=2026-05-01T00:00:00.521Z") == ["2026-05-01T00:00:00.52Z"])
            #expect(try await accesses("from=2026-05-01T00:00:00.521Z&until=2026-05-02T00:00:00.000Z").isEmpty)
            #expect(try await accesses("from=2026-05-01T09:00:00.5%2B09:00&until=2026-05-01t00:00:01z") == ["2026-05-01T00:00:00.52Z"])
            let before = try await client.get("/v1/me/accesses?until=2026-04-01T00:00:00.000000001Z", as: .citizenA, fixture: fixture)
            #expect(try Self.decode(Page<Timed>.self, before).items.compactMap(\.occurredAt) == ["2026-04-01T00:00:00Z"])
        }
    }

    @Test("a citizen's consents show what became of each")
    func consents() async throws {
        let fixture = try await APIFixture()
        try await fixture.application.test(.router) { client in
            let mine = try Self.decode([Consent].self, try await client.get("/v1/me/consents", as: .citizenA, fixture: fixture))
            #expect(mine.map(\.consentId) == ["c-1"] && mine[0].status == "revoked" && mine[0].revokedAt == "2026-05-01T00:00:00.515Z")
            // Who granted it, and each change with the leaf that made it.
            #expect(mine[0].grantedBy.id == "mydata-op-1" && mine[0].grantedBy.name == "mydata-op-1")
            #expect(mine[0].changes.map(\.change) == [.granted, .revoked])
            #expect(mine[0].changes.map(\.by.id) == ["mydata-op-1", "mydata-op-1"])
            #expect(mine[0].changes.map(\.position.index) == [0, 3])
            #expect(mine[0].changes.allSatisfy { $0.position.ledger == "test-ledger/events/0" })
            let theirs = try Self.decode([Consent].self, try await client.get("/v1/me/consents", as: .citizenB, fixture: fixture))
            // Granted until 2026-09-01: expired by now.
            #expect(
                theirs.map(\.consentId) == ["c-2"]
                    && theirs[0].status == (Date() > Date(timeIntervalSince1970: 1_788_220_800) ? "expired" : "active"))
        }
    }

    @Test("an institution sees its receipts with proofs, the records rejected in its name, and its violations")
    func institution() async throws {
        let fixture = try await APIFixture()
        try await fixture.application.test(.router) { client in
            let receipts = try Self.decode(
                Page<Receipt>.self, try await client.get("/v1/institution/receipts", as: .institutionX, fixture: fixture))
            #expect(Self.places(receipts.items.map(\.position)) == ["0:0", "0:1", "0:2", "0:3", "0:4", "0:6", "1:3"])
            for receipt in receipts.items {
                let checkpointed = receipt.position.partition == 1 || receipt.position.index < 6
                #expect((receipt.proof != nil) == checkpointed, "\(receipt.eventId)")
                if let proof = receipt.proof {
                    let bundle = try ProofBundle(text: proof)
                    _ = try bundle.verify(policy: try fixture.policy(Int(receipt.position.partition)))
                    #expect(bundle.index == receipt.position.index)
                }
            }
            let rejected = try Self.decode(
                Page<Entry>.self, try await client.get("/v1/institution/rejected", as: .institutionX, fixture: fixture))
            #expect(Self.places(rejected.items.map(\.position)) == ["0:5"])
            #expect(rejected.items[0].verdict.contains("signature-invalid"))
            let violations = try Self.decode(
                Page<Entry>.self, try await client.get("/v1/institution/violations", as: .institutionX, fixture: fixture))
            #expect(Self.places(violations.items.map(\.position)) == ["0:2", "0:4", "1:3"])
            let others = try Self.decode(
                Page<Entry>.self, try await client.get("/v1/institution/violations", as: .institutionY, fixture: fixture))
            #expect(Self.places(others.items.map(\.position)) == ["1:2"])
        }
    }

    @Test("a regulator lists violations across institutions, reads leaves and checkpoints, and gets an institution's report")
    func regulator() async throws {
        struct Leaf: Decodable { let index: UInt64, leaf: String, leafHash: String, value: String? }
        struct Checkpoints: Decodable {
            struct Item: Decodable { let size: UInt64 }
            let items: [Item]
        }
        struct Report: Decodable { let outcomes: [String: [String: Int]], findings: [String: Int], rejections: [String: Int] }
        let fixture = try await APIFixture()
        try await fixture.application.test(.router) { client in
            let all = try Self.decode(Page<Entry>.self, try await client.get("/v1/violations", as: .regulator, fixture: fixture))
            #expect(Self.places(all.items.map(\.position)) == ["0:2", "0:4", "1:2", "1:3"])
            let byInstitution = try Self.decode(
                Page<Entry>.self, try await client.get("/v1/violations?institution=insurer-i", as: .regulator, fixture: fixture))
            #expect(Self.places(byInstitution.items.map(\.position)) == ["1:2"])
            let revoked = try Self.decode(
                Page<Entry>.self, try await client.get("/v1/violations?verdict=revoked", as: .regulator, fixture: fixture))
            #expect(Self.places(revoked.items.map(\.position)) == ["0:4"])

            let leaves = try Self.decode(
                [Leaf].self, try await client.get("/v1/ledgers/0/leaves?start=1&end=4", as: .regulator, fixture: fixture))
            #expect(leaves.map(\.index) == [1, 2, 3])
            for leaf in leaves {
                #expect(RFC6962.leafHash(Array(Data(base64Encoded: leaf.leaf)!)).hex == leaf.leafHash)
                #expect(leaf.value != nil)
            }
            let checkpoints = try Self.decode(
                Checkpoints.self, try await client.get("/v1/ledgers/0/checkpoints", as: .regulator, fixture: fixture))
            #expect(checkpoints.items.map(\.size) == [6])

            let report = try Self.decode(
                Report.self, try await client.get("/v1/institutions/mydata-op-1/report", as: .regulator, fixture: fixture))
            #expect(
                report.outcomes["access.performed"]
                    == ["covered": 2, "purpose-not-covered": 1, "revoked": 1, "no-consent": 1, "rejected": 1])
            #expect(report.outcomes["consent.granted"] == ["recorded": 1] && report.outcomes["consent.revoked"] == ["recorded": 1])
            // Sequence 6 came first in partition 1, and 7 followed the rejected 6 in partition 0.
            #expect(report.findings["sequence-gap"] == 2)
            #expect(report.rejections == ["signature-invalid": 1])
        }
    }

    @Test("the subject key is evaluated only for a token, only with a VOPRF key, only on a point, only from a small body")
    func subjectKeyRequests() async throws {
        let fixture = try await APIFixture()
        try await fixture.application.test(.router) { client in
            func post(_ body: String, as caller: TestCaller) async throws -> (HTTPResponse.Status, String) {
                let response = try await client.post("/v1/subject-key", json: body, as: caller, fixture: fixture)
                return (response.status, String(buffer: response.body))
            }
            let element = try SubjectOPRF.Request(subject: "CI-A", publicKey: SubjectOPRF.Key().publicKey).blindedElement
            let request = #"{"blindedElement":"\#(Data(element).base64EncodedString())"}"#
            #expect(try await post(request, as: .none).0 == .unauthorized)
            let hmac = try await post(request, as: .citizenA)
            #expect(hmac.0 == .notFound && hmac.1.contains("derives subject references by HMAC"), "\(hmac)")
            let big = try await post(#"{"blindedElement":""# + String(repeating: "A", count: 5000) + #""}"#, as: .citizenA)
            #expect(big.0 == .contentTooLarge && big.1.contains("over 4096 bytes"), "\(big)")
        }
        let key = SubjectOPRF.Key()
        let served = try await APIFixture(subjectSecret: SubjectSecret(voprf: key))
        try await served.application.test(.router) { client in
            func post(_ body: String) async throws -> (HTTPResponse.Status, String) {
                let response = try await client.post("/v1/subject-key", json: body, as: .citizenA, fixture: served)
                return (response.status, String(buffer: response.body))
            }
            let request = try SubjectOPRF.Request(subject: "CI-A", publicKey: key.publicKey)
            let (status, body) = try await post(#"{"blindedElement":"\#(Data(request.blindedElement).base64EncodedString())"}"#)
            #expect(status == .ok)
            struct Answer: Decodable { let evaluatedElement: Data, proof: Data, publicKey: Data }
            let answer = try JSONDecoder().decode(Answer.self, from: Data(body.utf8))
            #expect(Array(answer.publicKey) == key.publicKey.bytes)
            #expect(
                try request.reference(from: .init(element: Array(answer.evaluatedElement), proof: Array(answer.proof)))
                    == key.reference(of: "CI-A"))
            let notAPoint = try await post(#"{"blindedElement":"\#(Data(repeating: 0, count: 49).base64EncodedString())"}"#)
            #expect(notAPoint.0 == .badRequest && notAPoint.1.contains("blindedElement: a blinded element is a 49-byte"), "\(notAPoint)")
            #expect(try await post(#"{"blindedElement":"not base64!"}"#).0 == .badRequest)
            #expect(try await post(#"{"element":"AA=="}"#).0 == .badRequest)
        }
    }

    @Test("bad parameters get a 4xx problem that names what is wrong, never a 500")
    func badInput() async throws {
        let fixture = try await APIFixture()
        let unknownHash = String(repeating: "cd", count: 32)
        let cases: [(String, TestCaller, HTTPResponse.Status, String)] = [
            ("/v1/me/accesses?limit=0", .citizenA, .badRequest, "limit"),
            ("/v1/me/accesses?limit=101", .citizenA, .badRequest, "limit"),
            (
                "/v1/me/accesses?limit=ten", .citizenA, .badRequest,
                "must be an integer is missing or is not one, in /v1/me/accesses?limit=ten"
            ),
            ("/v1/me/accesses?cursor=zzz", .citizenA, .badRequest, "cursor"),
            // Past Int64.max: these aborted ledgerd ("Not enough bits to represent the passed value").
            ("/v1/me/accesses?cursor=0.9223372036854775808", .citizenA, .badRequest, "cursor"),
            ("/v1/me/accesses?cursor=0.18446744073709551615", .citizenA, .badRequest, "cursor"),
            ("/v1/violations?cursor=1.9223372036854775808", .regulator, .badRequest, "cursor"),
            ("/v1/ledgers/0/checkpoints?cursor=9223372036854775808", .regulator, .badRequest, "cursor"),
            ("/v1/ledgers/0/leaves?start=9223372036854775806&end=9223372036854775807", .regulator, .badRequest, "beyond"),
            ("/v1/ledgers/0/proofs/inclusion?index=9223372036854775807", .regulator, .badRequest, "tree size"),
            ("/v1/ledgers/0/proofs/consistency?from=1&to=9223372036854775807", .regulator, .badRequest, "leaves"),
            ("/v1/me/entries/0/9223372036854775807/proof", .citizenA, .forbidden, "outside"),
            ("/v1/me/completeness/0/entries?size=9223372036854775807", .citizenA, .badRequest, "beyond the ledger's"),
            ("/v1/me/completeness/0/entries?size=1&cursor=1.0", .citizenA, .badRequest, "cursor 1.0 is of partition 1, not 0"),
            ("/v1/me/completeness/0/entries?size=1&cursor=0.9223372036854775808", .citizenA, .badRequest, "cursor"),
            ("/v1/me/completeness/9/entries?size=1", .citizenA, .forbidden, "outside"),
            ("/v1/me/completeness/0/entries", .citizenA, .badRequest, "size"),
            ("/v1/me/accesses?from=2026-05-01T00:00:00Z&until=2026-04-01T00:00:00Z", .citizenA, .badRequest, "before"),
            ("/v1/me/accesses?from=yesterday", .citizenA, .badRequest, "RFC 3339"),
            ("/v1/me/accesses?from=2026-02-30T00:00:00Z", .citizenA, .badRequest, "from \\\"2026-02-30T00:00:00Z\\\" is not an RFC 3339"),
            ("/v1/me/accesses?until=2262-04-12T00:00:00Z", .citizenA, .badRequest, "between the years 1677 and 2262"),
            ("/v1/me/accesses?verdict=fine", .citizenA, .badRequest, "\\\"fine\\\" is not one of the values"),
            ("/v1/me/accesses?transmissionId=T-1", .citizenA, .badRequest, "transmissionId must be a MyData transaction id"),
            ("/v1/me/accesses?transmissionType=weekly", .citizenA, .badRequest, "\\\"weekly\\\" is not one of the values"),
            ("/v1/ledgers/0/leaves?start=3&end=1", .regulator, .badRequest, "start"),
            ("/v1/ledgers/0/leaves?start=0&end=500", .regulator, .badRequest, "at most"),
            ("/v1/ledgers/0/leaves?start=0&end=8", .regulator, .badRequest, "beyond"),
            ("/v1/ledgers/0/leaves?start=0", .regulator, .badRequest, "integer is missing"),
            ("/v1/ledgers/abc/leaves?start=0&end=1", .regulator, .badRequest, "in /v1/ledgers/abc/leaves"),
            ("/v1/ledgers/9/checkpoints", .regulator, .notFound, "partition 9"),
            ("/v1/ledgers/0/checkpoints?cursor=abc", .regulator, .badRequest, "cursor"),
            ("/v1/ledgers/0/proofs/inclusion?index=6", .regulator, .badRequest, "tree size 6"),
            ("/v1/ledgers/0/proofs/inclusion?index=1&leafHash=\(unknownHash)", .regulator, .badRequest, "exactly one"),
            ("/v1/ledgers/0/proofs/inclusion", .regulator, .badRequest, "exactly one"),
            ("/v1/ledgers/0/proofs/inclusion?index=1&treeSize=100", .regulator, .badRequest, "treeSize"),
            ("/v1/ledgers/0/proofs/inclusion?leafHash=zz", .regulator, .badRequest, "leafHash"),
            ("/v1/ledgers/0/proofs/inclusion?leafHash=\(unknownHash)", .regulator, .notFound, "no leaf"),
            ("/v1/ledgers/0/proofs/consistency?from=5&to=3", .regulator, .badRequest, "from"),
            ("/v1/ledgers/0/proofs/consistency?from=1&to=99", .regulator, .badRequest, "leaves"),
            ("/v1/ledgers/0/subjects/xyz/proof", .regulator, .badRequest, "subjectKey"),
            ("/v1/violations?institution=\(String(repeating: "x", count: 129))", .regulator, .badRequest, "institution must be 1 to 128"),
            ("/v1/me/accesses?purpose=", .citizenA, .badRequest, "purpose must be 1 to 128"),
            ("/v1/institutions/\(String(repeating: "x", count: 129))/report", .regulator, .badRequest, "path segment"),
        ]
        try await fixture.application.test(.router) { client in
            for (uri, caller, status, mentions) in cases {
                let response = try await client.get(uri, as: caller, fixture: fixture)
                let body = String(buffer: response.body)
                #expect(response.status == status, "\(uri): \(body)")
                #expect(response.type == "application/problem+json", "\(uri)")
                #expect(body.contains(mentions), "\(uri): \(body)")
            }
        }
    }
}
