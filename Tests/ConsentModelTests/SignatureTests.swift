import ConsentFixtures
import ConsentModel
import Crypto
import Foundation
import Testing

@Suite("Producer signatures and the registry", .timeLimit(.minutes(10)))
struct SignatureTests {
    let fixtures = Fixtures()
    let event = Fixtures.envelope(
        type: "consent.granted", id: "e1", source: "bank-a", seq: 1, time: "2026-03-01T00:00:00Z", data: Fixtures.grant("c1"))

    func verdict(_ record: IncomingRecord) -> Verdict {
        var rules = Rules(registry: fixtures.registry, secret: fixtures.secret)
        return rules.judge(record).verdict
    }

    @Test("a correctly signed event is accepted")
    func accepted() {
        let verdict = verdict(fixtures.record(event))
        #expect(verdict.rejection == nil)
        #expect(verdict.isApplied)
    }

    @Test("changing any single byte of the value breaks the signature or the decoding")
    func everyByte() {
        let record = fixtures.record(event)
        let value = record.value!
        for index in stride(from: 0, to: value.count, by: 7) {
            var changed = record
            changed.value![index] ^= 0x01
            let rejection = verdict(changed).rejection
            #expect(rejection != nil, "byte \(index) changed, yet accepted")
            if case .malformed = rejection {
            } else if let rejection {
                #expect(
                    rejection.code == "signature-invalid" || rejection.code == "unknown-key" || rejection.code == "source-not-allowed",
                    "\(rejection)")
            }
        }
    }

    @Test("a key of another institution is refused for this source")
    func otherInstitution() {
        let rejection = verdict(fixtures.record(event, keyID: "mydata-op-1/2026")).rejection
        #expect(rejection == .sourceNotAllowed("mydata-op-1/2026", owner: "mydata-op-1"))
        #expect(rejection?.detail == "key mydata-op-1/2026 belongs to mydata-op-1, not to the event's source")
    }

    @Test("a rotated-out key cannot sign an event dated after its window; it could before")
    func rotatedOut() {
        #expect(
            verdict(fixtures.record(event, keyID: "bank-a/2025")).rejection == .keyNotValid("bank-a/2025", at: t("2026-03-01T00:00:00Z")))
        var old = event
        old["time"] = "2025-06-01T00:00:00Z"
        #expect(verdict(fixtures.record(old, keyID: "bank-a/2025")).rejection == nil)
    }

    @Test("missing headers, an unknown key id and a signature of other bytes are each refused")
    func missingAndUnknown() throws {
        var record = fixtures.record(event)
        record.headers = []
        #expect(verdict(record).rejection == .signatureMissing)
        record = fixtures.record(event)
        record.headers[0].value = Array("bank-z/1".utf8)
        #expect(verdict(record).rejection == .unknownKey("bank-z/1"))
        record = fixtures.record(event)
        let other = try EventSignature.headers(for: Array("other".utf8), keyID: "bank-a/2026", privateKey: fixtures.keys["bank-a/2026"]!)
        record.headers = other.map { ($0.name, $0.value) }
        #expect(verdict(record).rejection == .signatureInvalid("bank-a/2026"))
    }

    @Test("a registry with a repeated key id or a bad public key is refused with a reason")
    func badRegistry() {
        let duplicate =
            #"{"institutions":[{"id":"a","name":"A","roles":["recipient"],"keys":[{"id":"k","publicKey":"AAAA","validFrom":"2026-01-01T00:00:00Z"}]}]}"#
        let error = #expect(throws: ConsentModelError.self) { try InstitutionRegistry.load(from: Data(duplicate.utf8)) }
        #expect(error?.code == .invalidRegistry)
        #expect(error?.reason.contains("not base64 of a 32-byte Ed25519 key") == true)
        let role = #"{"institutions":[{"id":"a","name":"A","roles":["admin"],"keys":[]}]}"#
        #expect(
            (#expect(throws: ConsentModelError.self) { try InstitutionRegistry.load(from: Data(role.utf8)) })?.reason.contains(
                "unknown role") == true)
    }

    @Test("a registry file holds only what registry events can publish: identifiers, names without control characters, roles")
    func registryAsEvents() {
        func reason(_ institution: String) -> String? {
            (#expect(throws: ConsentModelError.self) {
                try InstitutionRegistry.load(from: Data(#"{"institutions":[\#(institution)]}"#.utf8))
            })?.reason
        }
        #expect(
            reason(#"{"id":"mydata-op'1","name":"A","roles":["recipient"],"keys":[]}"#)
                == #"institution "mydata-op'1" is not an identifier: 1 to 128 ASCII letters, digits and . _ : / @ -"#)
        #expect(
            reason(#"{"id":"a","name":"A\tB","roles":["recipient"],"keys":[]}"#)
                == "institution a: name must not contain control characters")
        #expect(reason(#"{"id":"a","name":"A","roles":[],"keys":[]}"#) == "institution a: roles must list one or more roles, each once")
        #expect(
            reason(
                #"{"id":"a","name":"A","roles":["recipient"],"keys":[{"id":"k 1","publicKey":"AAAA","validFrom":"2026-01-01T00:00:00Z"}]}"#)
                == #"key "k 1" of a is not an identifier: 1 to 128 ASCII letters, digits and . _ : / @ -"#)
    }

    @Test("subject references are HMAC-SHA256 under the ledger secret (checked against Python's hmac)")
    func subjectReference() throws {
        let reference = SubjectReference(subject: "CI-KR-0000000000001", secret: try SubjectSecret(bytes: Array(0..<32)))
        #expect(reference.hex == "2df16e0ba1069352114fc1bf0d2920c754e45b61fbf047fb040b11fd17d8db75")
        // RFC 4231 test case 6: a key longer than the block size.
        let rfc = SubjectReference(
            subject: "Test Using Larger Than Block-Size Key - Hash Key First",
            secret: try SubjectSecret(bytes: [UInt8](repeating: 0xaa, count: 131)))
        #expect(rfc.hex == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        #expect(throws: ConsentModelError.self) { try SubjectSecret(bytes: Array(0..<16)) }
    }
}
