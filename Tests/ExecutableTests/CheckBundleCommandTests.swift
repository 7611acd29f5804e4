import Crypto
import Foundation
import Testing

/// `ledgerctl check-bundle` as a citizen or a regulator runs it, on the bundle the fuzz corpus starts from: a ledger
/// whose key is 32 bytes of 7 (the fuzz fixtures'), citizen CI-A with a consent and two checkpointed accesses.
@Suite("ledgerctl check-bundle and history --save", .timeLimit(.minutes(5)))
struct CheckBundleCommandTests {
    let bundle = packageRoot.appendingPathComponent("Fuzz/corpus/history-bundle/seed-two-accesses.json")
    let ledgerKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: Array(repeating: 7, count: 32)).publicKey
        .rawRepresentation.base64EncodedString()

    func check(_ file: URL, key: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        try ChildProcess.run(ledgerctl, ["check-bundle", file.path, "--ledger-key", key ?? ledgerKey])
    }

    func copy(_ change: (inout [UInt8]) -> Void) throws -> URL {
        var bytes = Array(try Data(contentsOf: bundle))
        change(&bytes)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bundle-\(UUID().uuidString).json")
        try Data(bytes).write(to: file)
        return file
    }

    @Test("prints the proven history and says what was and was not checked")
    func checks() throws {
        let run = try check(bundle)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.first == "bundle of CI-A")
        #expect(lines.filter { $0.contains("mydata-op-1") }.count == 2)
        #expect(lines.last?.hasPrefix("verified: 2 accesses (1 not covered by a consent)") == true)
        #expect(lines.last?.contains("not witnessed") == true && lines.last?.contains("only the blinded protocol shows") == true)
    }

    @Test("a changed leaf, another ledger key, a file that is no bundle, or none at all: exit 1 and the reason")
    func refuses() throws {
        let changedLeaf = try copy { bytes in
            let at = Array("\"leaf\":\"".utf8)
            let start = bytes.indices.first { bytes[$0...].starts(with: at) }! + at.count + 12
            bytes[start] = bytes[start] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        }
        let run = try check(changedLeaf)
        #expect(run.status == 1 && run.stdout.isEmpty)
        #expect(run.stderr.hasPrefix("NOT VERIFIED: \(changedLeaf.path):") && run.stderr.contains("leaf bytes that hash to its leaf hash"))

        let otherKey = try check(bundle, key: Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString())
        #expect(otherKey.status == 1 && otherKey.stderr.contains("not signed by the ledger key"), "\(otherKey.stderr)")

        let garbage = try check(try copy { $0 = Array("{\"format\":".utf8) })
        #expect(garbage.status == 1 && garbage.stderr.contains("not a history bundle's JSON"), "\(garbage.stderr)")

        let missing = try check(URL(fileURLWithPath: "/nonexistent/bundle.json"))
        #expect(missing.status != 0 && missing.stderr.contains("cannot read /nonexistent/bundle.json"), "\(missing.stderr)")
    }

    @Test("ledgerctl history --save never writes over a file, and says so before asking the server anything")
    func saveKeepsFiles() throws {
        let run = try ChildProcess.run(
            ledgerctl, ["history", "--url", "http://127.0.0.1:9", "--token", "t", "--ledger-key", ledgerKey, "--save", bundle.path])
        #expect(run.status != 0 && run.stderr.contains("the file exists; name a new one"), "\(run.stderr)")
    }
}
