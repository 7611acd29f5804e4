import Foundation
import Testing

/// ledgerd's secrets and ledger files: owner-only from their first byte, and never silently replaced.
@Suite("ledgerd's secrets and files", .serialized, .timeLimit(.minutes(10)))
struct SecretsAndFilesTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString)")
    var topics: String { packageRoot.appendingPathComponent("topics").path }

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    func ledgerdArguments(_ data: String) -> [String] {
        ["--data-dir", data, "--topics", topics, "--http", "127.0.0.1:0", "--log-level", "notice"]
    }

    @Test("the data directory is made 0700, and the secrets and every ledger file are 0600")
    func modes() async throws {
        let data = directory.appendingPathComponent("data").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let ledgerd = try ChildProcess(ledgerd, ledgerdArguments(data))
        _ = try ledgerd.waitForLine(startingWith: "http=")
        let deadline = ContinuousClock.now + .seconds(30)
        while try FileManager.default.contentsOfDirectory(atPath: data).filter({ $0.hasSuffix(".sqlite") }).count < 8 {
            guard ContinuousClock.now < deadline else { throw ChildProcessError(message: "ledgerd opened no ledgers") }
            try await Task.sleep(for: .milliseconds(200))
        }
        ledgerd.process.terminate()
        let stopped = ledgerd.finish()
        #expect(stopped.status == 0)
        #expect(try mode(data) == 0o700)
        #expect(stopped.stderr.contains("made \(data) owner-only (0700; it was 0755)"), "\(stopped.stderr)")
        for file in try FileManager.default.contentsOfDirectory(atPath: data) {
            #expect(try mode("\(data)/\(file)") == 0o600, "\(file)")
        }
    }

    @Test("beside ledgers that exist, a missing secret is not made anew: ledgerd refuses to start and says to restore it")
    func noNewSecretBesideLedgers() throws {
        let data = directory.appendingPathComponent("restored").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        // A restored data directory whose backup forgot the subject secret (with --brokers: the embedded broker sets old ledgers aside).
        try Data().write(to: URL(fileURLWithPath: "\(data)/consent-ledger.events.v1-0.sqlite"))
        let result = try ChildProcess.run(ledgerd, ["--brokers", "127.0.0.1:1", "--dev-tokens"] + ledgerdArguments(data))
        #expect(result.status != 0)
        #expect(result.stderr.contains("restore it from this data directory's backup"), "\(result.stderr)")
        #expect(result.stderr.contains("each history would split in two") || result.stderr.contains("stop verifying"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: data).sorted() == ["consent-ledger.events.v1-0.sqlite"])
    }

    @Test(
        "a secret file that exists but cannot be read stops start-up, names the file, and is left as it was",
        .enabled(if: getuid() == 0, "runs ledgerd as nobody, whom a mode can stop (root reads any file)"))
    func unreadableSecret() throws {
        let data = directory.appendingPathComponent("nobody").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let secret = "\(data)/subject-reference.secret"
        let bytes = Data((Data((0..<32).map { UInt8($0) }).base64EncodedString() + "\n").utf8)
        try bytes.write(to: URL(fileURLWithPath: secret))
        // Owned by the user ledgerd runs as, but with no permission even for its owner: a restore gone wrong.
        #expect(chown(data, 65534, 65534) == 0 && chown(secret, 65534, 65534) == 0 && chmod(secret, 0) == 0)
        // nobody may not be able to reach the checkout (a fresh clone can sit in a directory of mode 0700): a copy of
        // ledgerd beside the data, and no embedded broker, whose topic files are in the checkout.
        let copy = directory.appendingPathComponent("ledgerd").path
        try FileManager.default.copyItem(atPath: ledgerd.path, toPath: copy)
        let result = try ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/setpriv"),
            ["--reuid=65534", "--regid=65534", "--clear-groups", copy, "--brokers", "127.0.0.1:1", "--dev-tokens", "--data-dir", data])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(secret) exists but cannot be read (Permission denied)"), "\(result.stderr)")
        #expect(!result.stdout.contains("ledger-key="), "no identity was made")
        #expect(try Data(contentsOf: URL(fileURLWithPath: secret)) == bytes)
        #expect(try FileManager.default.contentsOfDirectory(atPath: data) == ["subject-reference.secret"], "nothing new was made")
    }

    @Test("--signing-key keeps the checkpoint key outside the data directory, created there owner-only")
    func signingKeyOutside() throws {
        let data = directory.appendingPathComponent("apart").path
        let keys = directory.appendingPathComponent("keys")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        let key = keys.appendingPathComponent("ledger.key").path
        let ledgerd = try ChildProcess(ledgerd, ["--signing-key", key] + ledgerdArguments(data))
        let published = try ledgerd.waitForLine(startingWith: "ledger-key=")
        _ = try ledgerd.waitForLine(startingWith: "http=")  // its services run: SIGTERM is a clean stop from here on
        ledgerd.process.terminate()
        #expect(ledgerd.finish().status == 0)
        #expect(try mode(key) == 0o600)
        #expect(!FileManager.default.fileExists(atPath: "\(data)/checkpoint-signing.key"))
        #expect(!published.isEmpty)
    }
}
