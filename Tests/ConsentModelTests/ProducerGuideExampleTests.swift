import ConsentFixtures
import ConsentModel
import Crypto
import Foundation
import Testing

/// The signing example of docs/events.md, computed independently with Python's `cryptography`.
@Suite("docs/events.md signing example", .timeLimit(.minutes(10)))
struct ProducerGuideExampleTests {
    let value = Array(try! Data(contentsOf: examplesDirectory.appendingPathComponent("valid/access-performed.json")))
    // RFC 8032 §7.1 test 1's secret key: never use a published key for real.
    let key = try! Curve25519.Signing.PrivateKey(
        rawRepresentation: unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
    let signature = "8jz6SF2o9iAmkI7hIgUA7bBB5K320q7hnYn5E0p85giZPhZwEHq2wRqFy28lGdXEetJf6rXJK3G5FC7A8GyoDg=="

    @Test("the example value, signed with the example key, gives the documented headers")
    func headers() throws {
        #expect(value.count == 747)
        let headers = try EventSignature.headers(for: value, keyID: "mydata-op-1/2026", privateKey: key)
        #expect(headers.map(\.name) == ["consent-ledger-key", "consent-ledger-signature"])
        #expect(String(decoding: headers[1].value, as: UTF8.self) == signature)
    }

    @Test("the example registry accepts it, and the rules apply it")
    func accepted() throws {
        let registry = try InstitutionRegistry.load(
            from: Data(contentsOf: examplesDirectory.deletingLastPathComponent().appendingPathComponent("registry/example-registry.json")))
        var rules = Rules(registry: registry, secret: try SubjectSecret(bytes: Array(0..<32)))
        let record = IncomingRecord(
            value: value,
            headers: [("consent-ledger-key", Array("mydata-op-1/2026".utf8)), ("consent-ledger-signature", Array(signature.utf8))],
            kafkaTimestamp: ms("2026-11-24T02:00:01Z"))
        let judgement = rules.judge(record)
        #expect(judgement.verdict.rejection == nil)
        // Its producer sequence is 2 with nothing before it, and it names a consent the ledger has not seen.
        #expect(judgement.verdict.findings == [.sequenceGap(expected: 1)])
        #expect(judgement.verdict.access == .noConsent)
    }
}

func unhex(_ hex: String) -> [UInt8] {
    stride(from: 0, to: hex.count, by: 2).map { offset in
        let start = hex.index(hex.startIndex, offsetBy: offset)
        return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
    }
}
