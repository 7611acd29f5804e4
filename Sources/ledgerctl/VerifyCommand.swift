import ArgumentParser
import ConsentModel
import Crypto
import Foundation
import LedgerAudit
import LedgerClient
import LedgerIdentity
import LedgerStore

/// The regulator's check of a data directory's ledgers, or of those a ledgerd serves.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every ledger of a data directory, or of a ledgerd: chain, tree, checkpoints, subject map and every verdict.",
        discussion: """
            For each partition ledger (*.sqlite) in --data-dir: every checkpoint and subject-map checkpoint is signed \
            by the ledger key; leaves are numbered without gaps, chain to each other and hash to what is stored; \
            each record's bytes hash to what its leaf commits to; the tree and the subject map recomputed from the \
            leaves have the signed roots; every verdict is what the rules make of the records under the registry file \
            (rules/v1) and, from a partition's signed rules change on, the registry its log holds (rules/v2); \
            the stored per-subject rows agree. The files are opened read-only: a running ledgerd is not disturbed.
              ledgerctl verify --data-dir data --registry topics/registry/example-registry.json
              ledgerctl verify --data-dir data --registry-authority "registry-authority+registry-authority/2026-12-07+Hq3…="
              ledgerctl verify --data-dir copy/ --registry registry.json --ledger-key 3kF1…=
            --no-verdicts checks everything but the verdicts (no registry needed), some thirty times faster: a quick \
            structural check between full ones.
              ledgerctl verify --data-dir data --no-verdicts
            --policy FILE also requires a quorum of independent witnesses: FILE holds "witness VKEY" lines (the \
            verifier keys `ledgerctl keys generate --witness` prints) and "quorum N". ledgerd keeps each witness's \
            cosigned checkpoints beside its ledgers; a ledger passes if one of its checkpoints carries N valid \
            cosignatures, and the line says up to which size the ledger is witnessed.
              ledgerctl verify --data-dir data --no-verdicts --policy witnesses.txt
            --url checks the ledgers a running ledgerd serves, through its API with a regulator's token, instead of \
            files: the same checks (but for the stored per-subject rows, which the API does not serve), trusting \
            nothing the server says but what --ledger-key (required here) and the witnesses signed.
              ledgerctl verify --url http://127.0.0.1:8080 --token "$REGULATOR_TOKEN" --ledger-key 3kF1…= --registry registry.json
            One line per ledger on standard output ("ok" or "FAIL" with the first bad leaf and why), progress on \
            standard error; exit code 0 when every ledger verifies, 1 otherwise.
            """
    )

    @Option(help: "The data directory whose ledgers to check (default: data).")
    var dataDir: String?

    @Option(help: "A ledgerd API's base URL: check the ledgers it serves instead of a data directory's.")
    var url: String?

    @Option(help: "With --url, a regulator API token. Default: the environment variable LEDGER_API_TOKEN.")
    var token: String?

    @OptionGroup var trust: RegistryTrustOptions

    @Flag(
        inversion: .prefixedNo,
        help: "Recompute every verdict (needs --registry or --registry-authority); --no-verdicts checks the rest only.")
    var verdicts = true

    func validate() throws {
        if verdicts, !trust.isGiven {
            throw ValidationError(
                "\(RegistryTrustOptions.required) is required to recompute verdicts (or pass --no-verdicts for a structural check)")
        }
        if url != nil {
            guard dataDir == nil else { throw ValidationError("give --data-dir or --url, not both") }
            guard ledgerKey != nil else {
                throw ValidationError("--url needs --ledger-key: the key must come from someone you trust, not from the server checked")
            }
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

    @Option(
        help: """
            With --data-dir, the payload master key file, which opens the records sealed at rest (ledgerd \
            --master-key). Default: \(LedgerIdentity.payloadMasterKeyFile) in the data directory
            """)
    var masterKey: String?

    func run() async throws {
        let directory = URL(fileURLWithPath: dataDir ?? "data", isDirectory: true)
        let audit = LedgerAudit(
            trust: verdicts ? try trust.load() : nil, ledgerKey: try key(), keys: url == nil ? try payloadKeys(in: directory) : nil,
            witnessPolicy: try loadPolicy())
        var outcome = Outcome()
        if let url {
            guard let base = URL(string: url), base.scheme != nil else {
                throw failure("--url must be a URL such as http://127.0.0.1:8080")
            }
            guard let token = token ?? ProcessInfo.processInfo.environment["LEDGER_API_TOKEN"] else {
                throw failure("a regulator token is needed with --url: --token, or LEDGER_API_TOKEN")
            }
            let api = LedgerAPIClient(url: base, token: token)
            let ledgers: [LedgerAPIClient.Ledger]
            do {
                ledgers = try await api.ledgers().sorted { $0.partition < $1.partition }
            } catch {
                throw failure("cannot list the ledgers: \(error)")
            }
            guard !ledgers.isEmpty else { throw failure("the ledgerd at \(url) serves no ledgers yet") }
            for ledger in ledgers {
                let progress = Self.progress(of: ledger.name)
                outcome.record(
                    named: ledger.name, await Result(awaiting: { try await audit.verify(ledger, servedBy: api, progress: progress) }))
            }
        } else {
            for file in try ledgerFiles(in: directory) {
                let path = directory.appendingPathComponent(file).path
                outcome.record(
                    named: path, await Result(awaiting: { try await audit.verify(file: path, progress: Self.progress(of: path)) }))
            }
        }
        if outcome.failed > 0 {
            emit("\(outcome.failed) of \(outcome.checked) ledgers FAILED verification")
            throw ExitCode.failure
        }
        emit(
            "verified \(outcome.checked) ledgers, \(outcome.leaves) leaves: chains, trees, checkpoints\(policy == nil ? "" : " (witnessed)"), subject maps\(verdicts ? " and verdicts" : "") all hold"
                + (verdicts ? "" : " (verdicts not checked)")
                + (url == nil ? "" : " (as served; the tables derived from the leaves are checked only from files)"))
    }

    /// What the ledgers checked so far came to; each gets one line on standard output.
    private struct Outcome {
        var checked = 0
        var failed = 0
        var leaves: UInt64 = 0

        /// One ledger's check came to `result`: its line, and the totals.
        mutating func record(named name: String, _ result: Result<LedgerAudit.Summary, any Error>) {
            VerifyCommand.progress("")
            checked += 1
            switch result {
            case .success(let summary):
                leaves += summary.leaves
                emit(
                    "ok    \(summary.origin): \(summary.leaves) leaves, \(summary.checkpoints) checkpoints, \(summary.subjects) subjects, \(summary.verdictsRecomputed) verdicts recomputed"
                        + (summary.witnessedSize.map { ", witnessed through \($0) leaves" } ?? "")
                        + summary.erasures.map { "; \($0.records) records erased by leaf \($0.leaf)" }.joined())
            case .failure(let error):
                failed += 1
                let reason = "\(error)"
                emit("FAIL  " + (reason.hasPrefix(name) ? reason : "\(name): \(reason)"))
            }
        }
    }

    private func ledgerFiles(in directory: URL) throws -> [String] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".sqlite") }
            .sorted { $0.compare($1, options: .numeric) == .orderedAscending }
        guard !files.isEmpty else { throw failure("no ledgers (*.sqlite) in \(directory.path); pass the data directory with --data-dir") }
        return files
    }

    private func loadPolicy() throws -> String? {
        guard let file = policy else { return nil }
        do {
            return try String(contentsOf: URL(fileURLWithPath: file), encoding: .utf8)
        } catch {
            throw failure("cannot read the witness policy \(file): \(error.localizedDescription)")
        }
    }

    /// Reports a ledger's leaves checked so far, of its total.
    private static func progress(of name: String) -> @Sendable (UInt64, UInt64) -> Void {
        { done, total in progress("\(name): \(done) of \(total) leaves") }
    }

    /// A progress line on a terminal, rewritten in place; nothing when standard error is a file or pipe.
    private static func progress(_ line: String) {
        guard isatty(STDERR_FILENO) != 0 else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }

    private func key() throws -> Curve25519.Signing.PublicKey {
        if let ledgerKey {
            guard let bytes = Data(base64Encoded: ledgerKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes) else {
                throw failure("--ledger-key must be the base64 of a 32-byte Ed25519 public key")
            }
            return key
        }
        let directory = URL(fileURLWithPath: dataDir ?? "data", isDirectory: true)
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

    /// The data directory's key store, opened read-only with its master key; `nil` for a directory of ledgers written
    /// before records were sealed.
    private func payloadKeys(in directory: URL) throws -> PayloadKeys? {
        let store = directory.appendingPathComponent(LedgerIdentity.payloadKeysFile)
        guard FileManager.default.fileExists(atPath: store.path) else { return nil }
        do {
            let master = try LedgerIdentity.existingMasterKey(in: directory, file: masterKey.map { URL(fileURLWithPath: $0) })
            return try PayloadKeys(path: store.path, masterKey: master, readingOnly: true)
        } catch {
            throw failure("the records are sealed at rest, and \(error): pass the payload master key with --master-key")
        }
    }
}

extension Result where Failure == any Error {
    /// The value `body` returns, or the error it throws.
    fileprivate init(awaiting body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
