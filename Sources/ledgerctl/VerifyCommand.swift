import ArgumentParser
import ConsentModel
import Crypto
import Foundation
import LedgerAudit
import LedgerIngest

/// The regulator's offline check of a data directory's ledgers.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every ledger of a data directory offline: chain, tree, checkpoints, subject map and every verdict.",
        discussion: """
            For each partition ledger (*.sqlite) in --data-dir: every checkpoint and subject-map checkpoint is signed \
            by the ledger key; leaves are numbered without gaps, chain to each other and hash to what is stored; \
            each record's bytes hash to what its leaf commits to; the tree and the subject map recomputed from the \
            leaves have the signed roots; every verdict is what rules/v1 makes of the records under the registry; \
            the stored per-subject rows agree. The files are opened read-only: a running ledgerd is not disturbed.
              ledgerctl verify --data-dir data --registry topics/registry/example-registry.json
              ledgerctl verify --data-dir copy/ --registry registry.json --ledger-key 3kF1…=
            --no-verdicts checks everything but the verdicts (no registry needed), some thirty times faster: a quick \
            structural check between full ones.
              ledgerctl verify --data-dir data --no-verdicts
            --policy FILE also requires a quorum of independent witnesses: FILE holds "witness VKEY" lines (the \
            verifier keys `ledgerctl keys generate --witness` prints) and "quorum N". ledgerd keeps each witness's \
            cosigned checkpoints beside its ledgers; a ledger passes if one of its checkpoints carries N valid \
            cosignatures, and the line says up to which size the ledger is witnessed.
              ledgerctl verify --data-dir data --no-verdicts --policy witnesses.txt
            One line per ledger on standard output ("ok" or "FAIL" with the first bad leaf and why), progress on \
            standard error; exit code 0 when every ledger verifies, 1 otherwise.
            """
    )

    @Option(help: "The data directory whose ledgers to check.")
    var dataDir: String = "data"

    @Option(help: "The institution registry ledgerd judged with (JSON): verdicts are recomputed under it.")
    var registry: String?

    @Flag(inversion: .prefixedNo, help: "Recompute every verdict (needs --registry); --no-verdicts checks the rest only.")
    var verdicts = true

    func validate() throws {
        if verdicts, registry == nil {
            throw ValidationError("--registry is required to recompute verdicts (or pass --no-verdicts for a structural check)")
        }
    }

    @Option(help: "A witness policy: \"witness VKEY\" lines and \"quorum N\" (the log key is --ledger-key's).")
    var policy: String?

    @Option(
        help: """
            The ledger's checkpoint public key (base64, 32 bytes). Default: derived from the data directory's \
            checkpoint-signing.key, which checks the files but not that they are the ledger you were shown.
            """)
    var ledgerKey: String?

    func run() throws {
        let directory = URL(fileURLWithPath: dataDir, isDirectory: true)
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".sqlite") }
            .sorted { $0.compare($1, options: .numeric) == .orderedAscending }
        guard !files.isEmpty else { throw failure("no ledgers (*.sqlite) in \(directory.path); pass the data directory with --data-dir") }
        var registry: InstitutionRegistry?
        if verdicts, let file = self.registry {
            do {
                registry = try InstitutionRegistry.load(from: Data(contentsOf: URL(fileURLWithPath: file)))
            } catch {
                throw failure("cannot read the registry \(file): \(error)")
            }
        }
        var witnessPolicy: String?
        if let file = policy {
            do {
                witnessPolicy = try String(contentsOf: URL(fileURLWithPath: file), encoding: .utf8)
            } catch {
                throw failure("cannot read the witness policy \(file): \(error.localizedDescription)")
            }
        }
        let audit = LedgerAudit(registry: registry, ledgerKey: try key(in: directory), witnessPolicy: witnessPolicy)
        var failed = 0
        var leaves: UInt64 = 0
        for file in files {
            let path = directory.appendingPathComponent(file).path
            do {
                let summary = try audit.verify(path: path) { done, total in
                    progress("\(file): \(done) of \(total) leaves")
                }
                progress("")
                leaves += summary.leaves
                emit(
                    "ok    \(summary.origin): \(summary.leaves) leaves, \(summary.checkpoints) checkpoints, \(summary.subjects) subjects, \(summary.verdictsRecomputed) verdicts recomputed"
                        + (summary.witnessedSize.map { ", witnessed through \($0) leaves" } ?? "")
                )
            } catch {
                progress("")
                failed += 1
                emit("FAIL  \(error)")
            }
        }
        if failed > 0 {
            emit("\(failed) of \(files.count) ledgers FAILED verification")
            throw ExitCode.failure
        }
        emit(
            "verified \(files.count) ledgers, \(leaves) leaves: chains, trees, checkpoints\(policy == nil ? "" : " (witnessed)"), subject maps\(verdicts ? " and verdicts" : "") all hold"
                + (verdicts ? "" : " (verdicts not checked)"))
    }

    /// A progress line on a terminal, rewritten in place; nothing when standard error is a file or pipe.
    private func progress(_ line: String) {
        guard isatty(STDERR_FILENO) != 0 else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }

    private func key(in directory: URL) throws -> Curve25519.Signing.PublicKey {
        if let ledgerKey {
            guard let bytes = Data(base64Encoded: ledgerKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes) else {
                throw failure("--ledger-key must be the base64 of a 32-byte Ed25519 public key")
            }
            return key
        }
        let key: Curve25519.Signing.PrivateKey
        do {
            key = try LedgerIdentity.existingSigningKey(in: directory)
        } catch {
            throw failure("no --ledger-key, and \(error): pass the ledger's public key with --ledger-key")
        }
        FileHandle.standardError.write(
            Data("note: checking against the key in \(directory.path); pass --ledger-key to check against the key you trust\n".utf8))
        return key.publicKey
    }

    private func failure(_ message: String) -> some Error {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode.failure
    }
}
