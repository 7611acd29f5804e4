import ArgumentParser
import ConsentModel
import Crypto
import Foundation
import LedgerClient
import MerkleLog

/// The citizen's own check: who accessed my data, and the proof that the list is complete.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show a citizen's access history from the API, checked against the ledger's signed checkpoints.",
        discussion: """
            Fetches the token's citizen's accesses and completeness proofs, and checks them under --ledger-key: each \
            ledger's checkpoints are signed by the ledger, its subject-map proof shows the listed entries are the \
            citizen's whole history up to the checkpoint, and every access shown that a checkpoint covers is one of \
            them. With --policy, each checkpoint must also carry the cosignatures of the policy's quorum of witnesses: \
            the ledger key alone could sign a private view for one citizen, witnesses would not cosign it. With \
            --subject-key and --subject, your subject reference is obtained by the blinded protocol (RFC 9497 VOPRF) and \
            checked against the ledger's published subject key, and every proof must be about it: the server cannot \
            prove completeness for a reference of its choosing. Nothing is taken on the server's word.
              TOKEN=$(ledgerctl token --role citizen --subject CI-KR-0000000000001)
              ledgerctl history --url http://127.0.0.1:8080 --token "$TOKEN" --ledger-key 3kF1…= --policy witnesses.policy \
                --subject-key A2xN… --subject CI-KR-0000000000001
            One line per access (time, institution, what, for which purpose, verdict; "unproven" when no checkpoint \
            covers it yet), then a summary. Exit code 0 when the history verifies, 1 when it does not.
            """
    )

    @Option(help: "The ledgerd API's base URL.")
    var url: String = "http://127.0.0.1:8080"

    @Option(help: "The citizen's API token. Default: the environment variable LEDGER_API_TOKEN.")
    var token: String?

    @Option(help: "The ledger's checkpoint public key (base64), as ledgerd prints it (ledger-key=…).")
    var ledgerKey: String

    @Option(
        help:
            "A witness policy: \"witness VKEY\" lines and \"quorum N\" (docs/ledger-format.md §7). Without it the history is not witnessed."
    )
    var policy: String?

    @Option(
        help:
            "The ledger's subject key (base64), as ledgerd prints it (subject-key=…). Needs --subject. Default: the subject-key line of --policy, else the ledger's signed statement."
    )
    var subjectKey: String?

    @Option(help: "Your subject identifier, as your token names it; it is blinded before it leaves this machine.")
    var subject: String?

    func run() async throws {
        guard let token = token ?? ProcessInfo.processInfo.environment["LEDGER_API_TOKEN"] else {
            throw ValidationError("a citizen token is needed: --token, or LEDGER_API_TOKEN")
        }
        guard let api = URL(string: url), api.scheme != nil else {
            throw ValidationError("--url must be a URL such as http://127.0.0.1:8080")
        }
        guard let bytes = Data(base64Encoded: ledgerKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes) else {
            throw ValidationError("--ledger-key must be the base64 of a 32-byte Ed25519 public key")
        }
        let witnessPolicy: String?
        do {
            witnessPolicy = try policy.map { try String(contentsOfFile: $0, encoding: .utf8) }
            _ = try witnessPolicy.map(TrustPolicy.witnesses(inPolicy:))
        } catch {
            throw ValidationError("--policy must be a readable witness policy file: \(error)")
        }
        // The subject key: given, or the policy's `subject-key` line, or else the ledger's signed statement.
        var keyBytes = try witnessPolicy.flatMap(TrustPolicy.subjectKey(inPolicy:))
        if let subjectKey {
            guard let bytes = Data(base64Encoded: subjectKey) else {
                throw ValidationError("--subject-key must be base64, as ledgerd prints it")
            }
            keyBytes = Array(bytes)
        }
        if subjectKey != nil, subject == nil {
            throw ValidationError("--subject-key needs --subject: your identifier is blinded with the key")
        }
        let trusted = try keyBytes.map { bytes in
            guard let key = try? SubjectOPRF.PublicKey(bytes: bytes) else {
                throw ValidationError("the subject key must be a 49-byte compressed P-384 point, as ledgerd prints it (subject-key=…)")
            }
            return key
        }
        let history: CitizenHistory
        var me: CitizenHistory.Subject?
        do {
            if let subject {
                let subjectKey: SubjectOPRF.PublicKey
                if let trusted {
                    subjectKey = trusted
                } else {
                    subjectKey = try await CitizenHistory.statedSubjectKey(from: api, token: token, ledgerKey: key)
                }
                me = CitizenHistory.Subject(identifier: subject, key: subjectKey)
            }
            history = try await CitizenHistory.fetch(from: api, token: token, ledgerKey: key, witnessPolicy: witnessPolicy, subject: me)
        } catch {
            FileHandle.standardError.write(Data("NOT VERIFIED: \(error)\n".utf8))
            throw ExitCode.failure
        }
        for access in history.accesses {
            let what = [access.action, access.dataCategories.joined(separator: ","), access.dataHolder.map { "from \($0)" }]
                .compactMap { $0 }.joined(separator: " ")
            emit(
                "\(access.occurredAt ?? "-")  \(access.institution)  \(what)  for \(access.purpose ?? "-")  \(access.outcome)"
                    + (access.findings.isEmpty ? "" : "  findings: \(access.findings.joined(separator: ","))")
                    + (access.isProven ? "" : "  (unproven: no checkpoint covers it yet)"))
        }
        let count = { (outcome: String) in history.accesses.filter { $0.outcome == outcome }.count }
        let violations = history.accesses.filter(\.isViolation).count
        let unproven = history.accesses.filter { !$0.isProven }.count
        let others = [(count("rejected"), "rejected: failed their checks"), (count("not-applied"), "not applied: duplicates or replays")]
            .filter { $0.0 > 0 }.map { "; \($0.0) \($0.1)" }.joined()
        emit(
            "verified: \(history.accesses.count) accesses (\(violations) not covered by a consent\(others)); the history is complete up to the "
                + "signed checkpoints of \(history.ledgers.count) ledgers"
                + (unproven > 0 ? "; \(unproven) newer accesses await a checkpoint" : "")
                + (history.pending.isEmpty ? "" : "; \(history.pending.count) ledgers have no checkpoint yet")
                + (history.isWitnessed
                    ? "; every checkpoint witnessed by the policy's quorum"
                    : "; not witnessed (give --policy FILE to require the witnesses' cosignatures)")
                + (me == nil
                    ? "; about the subject key the server named (give --subject to check it is yours)"
                    : trusted == nil
                        ? "; about your own subject key, by the blinded protocol under the key the ledger's signed statement gives (name it in your --policy, so that no ledger can show you another)"
                        : "; about your own subject key, checked by the blinded protocol"))
    }
}
