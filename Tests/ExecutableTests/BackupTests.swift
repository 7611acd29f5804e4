import Foundation
import Testing

@Suite("Backing up a data directory", .serialized, .timeLimit(.minutes(10)))
struct BackupTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backup-\(UUID().uuidString)")
    var simulation: String { directory.appendingPathComponent("simulation").path }
    var data: String { directory.appendingPathComponent("data").path }

    func verify(_ dataDir: String) throws -> (status: Int32, stdout: String, stderr: String) {
        try ChildProcess.run(ledgerctl, ["verify", "--data-dir", dataDir, "--registry", "\(simulation)/registry.json"])
    }

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test(
        "ledgerctl backup copies a ledgerd's ledgers while it ingests, and the copy verifies; after a clean stop each file alone is its ledger"
    )
    func backupWhileIngesting() async throws {
        #expect(try ChildProcess.run(ledgerctl, ["simulate", "--setup-only", "--out", simulation]).status == 0)
        let ledgerd = try ChildProcess(
            ledgerd,
            [
                "--data-dir", data, "--topics", packageRoot.appendingPathComponent("topics").path, "--registry",
                "\(simulation)/registry.json", "--http", "127.0.0.1:0", "--log-level", "warning",
            ])
        let bootstrap = try ledgerd.waitForLine(startingWith: "bootstrap.servers=")
        let traffic = try ChildProcess(
            ledgerctl, ["simulate", "--brokers", bootstrap, "--out", simulation, "--rate", "400", "--duration", "6"])
        try await Task.sleep(for: .seconds(4))

        let copy = directory.appendingPathComponent("copy").path
        let backup = try ChildProcess.run(ledgerctl, ["backup", "--data-dir", data, "--out", copy])
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.contains("backed up 8 ledgers"), "\(backup.stdout)")
        #expect(try mode(copy) == 0o700 && mode("\(copy)/consent-ledger.events.v1-0.sqlite") == 0o600)
        #expect(try mode("\(copy)/checkpoint-signing.key") == 0o600)
        let copied = try verify(copy)
        #expect(copied.status == 0, "\(copied.stdout)\(copied.stderr)")
        #expect(copied.stdout.contains("verified 8 ledgers"))
        // A second backup into the same place is refused rather than mixed with the first.
        let again = try ChildProcess.run(ledgerctl, ["backup", "--data-dir", data, "--out", copy])
        #expect(again.status != 0 && again.stderr.contains("is not empty"))

        #expect(traffic.finish().status == 0)
        try await Task.sleep(for: .seconds(2))
        ledgerd.process.terminate()
        #expect(ledgerd.finish().status == 0)

        // A clean stop wrote every log back: copying only the *.sqlite files (and the keys) is a whole copy.
        let naive = directory.appendingPathComponent("naive").path
        try FileManager.default.createDirectory(atPath: naive, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: data)
        where file.hasSuffix(".sqlite") || ["checkpoint-signing.key", "payload-keys.db", "payload-master.key"].contains(file) {
            try FileManager.default.copyItem(atPath: "\(data)/\(file)", toPath: "\(naive)/\(file)")
        }
        let whole = try verify(naive)
        #expect(whole.status == 0, "\(whole.stdout)\(whole.stderr)")
    }

    @Test("verify names the file in every failure, and says what a copy without its log looks like")
    func verifyNamesTheFile() throws {
        let broken = directory.appendingPathComponent("broken").path
        try FileManager.default.createDirectory(atPath: broken, withIntermediateDirectories: true)
        #expect(try ChildProcess.run(ledgerctl, ["simulate", "--setup-only", "--out", simulation]).status == 0)
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: "\(broken)/consent-ledger.events.v1-0.sqlite"))
        // An empty SQLite database: what the main file of a ledger whose log was never written back holds.
        #expect(
            try ChildProcess.run(
                URL(fileURLWithPath: "/usr/bin/python3"),
                ["-c", "import sqlite3; sqlite3.connect('\(broken)/consent-ledger.events.v1-1.sqlite').execute('PRAGMA user_version = 1')"]
            ).status == 0)
        let result = try ChildProcess.run(
            ledgerctl, ["verify", "--data-dir", broken, "--no-verdicts", "--ledger-key", String(repeating: "A", count: 43) + "="])
        #expect(result.status != 0)
        #expect(result.stdout.contains("FAIL  \(broken)/consent-ledger.events.v1-0.sqlite: "), "\(result.stdout)")
        #expect(result.stdout.contains("FAIL  \(broken)/consent-ledger.events.v1-1.sqlite: holds no ledger tables"), "\(result.stdout)")
        #expect(result.stdout.contains("ledgerctl backup"))
    }
}
