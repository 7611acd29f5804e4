import ArgumentParser
import Crypto
import Foundation
import LedgerIdentity
import LedgerStore
import PrivateFiles

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy a data directory's ledgers and secrets consistently, while ledgerd runs.",
        discussion: """
            Each partition ledger is copied with SQLite's online backup: one consistent snapshot of it, its \
            write-ahead log included, taken while ledgerd goes on writing; so is the key store the records are \
            sealed under (its data keys stay wrapped under the master key). The ledger's secrets in the data \
            directory (the checkpoint signing key, the subject-reference secret, the payload master key when it is \
            kept there) are copied too, readable by the owner only: without them a restored ledger could not go on. \
            A key destroyed by an erasure is in no backup taken after it. --out must not exist yet, or be empty.
              ledgerctl backup --data-dir data --out backups/2026-12-04
            Check the copy as any ledger:
              ledgerctl verify --data-dir backups/2026-12-04 --registry registry.json
            To restore, stop ledgerd, put the copy in place of the data directory, and start ledgerd: it resumes each \
            ledger at the offset the copy holds and ingests the rest again from the topic (docs/operations.md).
            """
    )

    @Option(help: "ledgerd's data directory.")
    var dataDir: String = "data"

    @Option(help: "The directory to write the copy to; created, and must be empty if it exists.")
    var out: String

    func run() throws {
        let source = URL(fileURLWithPath: dataDir, isDirectory: true)
        let target = URL(fileURLWithPath: out, isDirectory: true)
        let ledgers = ((try? FileManager.default.contentsOfDirectory(atPath: source.path)) ?? [])
            .filter { $0.hasSuffix(".sqlite") }.sorted { $0.compare($1, options: .numeric) == .orderedAscending }
        guard !ledgers.isEmpty else {
            throw failure("no ledgers (*.sqlite) in \(source.path); pass ledgerd's data directory with --data-dir")
        }
        if let existing = try? FileManager.default.contentsOfDirectory(atPath: target.path), !existing.isEmpty {
            throw failure("\(target.path) is not empty: a backup goes to a new directory")
        }
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var leaves: UInt64 = 0
        for file in ledgers {
            do {
                let copied = try LedgerFile(readingAt: source.appendingPathComponent(file).path).backup(
                    to: target.appendingPathComponent(file).path)
                leaves += copied
                emit("copied \(file): \(copied) leaves")
            } catch {
                throw failure("\(source.appendingPathComponent(file).path): \(error)")
            }
        }
        let keyStore = source.appendingPathComponent(LedgerIdentity.payloadKeysFile)
        if FileManager.default.fileExists(atPath: keyStore.path) {
            do {
                // Copied as stored: its keys stay wrapped, and need the master key to open.
                let keys = try PayloadKeys(path: keyStore.path, masterKey: SymmetricKey(size: .bits256), readingOnly: true)
                let count = try keys.backup(to: target.appendingPathComponent(LedgerIdentity.payloadKeysFile).path)
                emit("copied \(LedgerIdentity.payloadKeysFile): \(count) data keys")
            } catch {
                throw failure("\(keyStore.path): \(error)")
            }
        }
        var secrets = 0
        for secret in LedgerIdentity.files {
            let from = source.appendingPathComponent(secret)
            do {
                guard let bytes = try PrivateFile.readIfPresent(from) else { continue }
                try PrivateFile.create(target.appendingPathComponent(secret), contents: bytes)
                secrets += 1
            } catch {
                throw failure("cannot copy \(from.path): \(error)")
            }
        }
        emit("backed up \(ledgers.count) ledgers (\(leaves) leaves) and \(secrets) secret files to \(target.path)")
    }
}
