import ArgumentParser
import ConsentModel
import Crypto
import Foundation
import LedgerClient
import MerkleLog

/// What a citizen's history is checked under: the ledger's key, a witness policy, the ledger's subject key.
struct CitizenTrustOptions: ParsableArguments {
    @Option(help: "The ledger's checkpoint public key (base64), as ledgerd prints it (ledger-key=…).")
    var ledgerKey: String

    @Option(
        help:
            "A trust policy: \"witness VKEY\" lines, \"quorum N\" and \"subject-key BASE64\" (docs/ledger-format.md §7). Without it the history is not witnessed."
    )
    var policy: String?

    @Option(
        help:
            "The ledger's subject key (base64), as ledgerd prints it (subject-key=…). Default: the subject-key line of --policy, else the ledger's signed statement."
    )
    var subjectKey: String?

    struct Loaded {
        let ledgerKey: Curve25519.Signing.PublicKey
        /// The policy file's text.
        let witnessPolicy: String?
        /// Given, or the policy's.
        let subjectKey: SubjectOPRF.PublicKey?
    }

    func load() throws -> Loaded {
        let witnessPolicy: String?
        do {
            witnessPolicy = try policy.map { try String(contentsOfFile: $0, encoding: .utf8) }
            _ = try witnessPolicy.map(TrustPolicy.witnesses(inPolicy:))
        } catch {
            throw ValidationError("--policy must be a readable trust policy file: \(error)")
        }
        let policyKey = try witnessPolicy.flatMap(TrustPolicy.subjectKey(inPolicy:)).map { bytes in
            guard let key = try? SubjectOPRF.PublicKey(bytes: bytes) else {
                throw ValidationError("the policy's subject-key must be a 49-byte compressed P-384 point, as ledgerd prints it")
            }
            return key
        }
        return Loaded(
            ledgerKey: try ledgerPublicKey(base64: ledgerKey), witnessPolicy: witnessPolicy,
            subjectKey: try subjectKey.map { try subjectPublicKey(base64: $0) } ?? policyKey)
    }
}

/// `--ledger-key`: a ledger's checkpoint key as ledgerd prints it.
func ledgerPublicKey(base64: String) throws -> Curve25519.Signing.PublicKey {
    guard let bytes = Data(base64Encoded: base64), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes) else {
        throw ValidationError("--ledger-key must be the base64 of a 32-byte Ed25519 public key, as ledgerd prints it (ledger-key=…)")
    }
    return key
}

/// `--subject-key`: a ledger's VOPRF subject key as ledgerd prints it.
func subjectPublicKey(base64: String) throws -> SubjectOPRF.PublicKey {
    guard let bytes = Data(base64Encoded: base64), let key = try? SubjectOPRF.PublicKey(bytes: Array(bytes)) else {
        throw ValidationError("--subject-key must be the base64 of a 49-byte compressed P-384 point, as ledgerd prints it (subject-key=…)")
    }
    return key
}

/// One line per access, then a summary that says what was proven and what was not.
func printHistory(_ history: CitizenHistory, subjectKeyCheck: String) {
    for access in history.accesses {
        let what = [
            access.action, access.dataCategories.joined(separator: ","), access.recordCount.map { "\($0) records" },
            access.dataForm, access.dataHolder.map { "from \($0)" },
        ]
        .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
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
            + "signed checkpoints of \(history.ledgers.count) ledger\(history.ledgers.count == 1 ? "" : "s")"
            + (unproven > 0 ? "; \(unproven) newer accesses await a checkpoint" : "")
            + (history.pending.isEmpty ? "" : "; \(history.pending.count) ledgers have no checkpoint yet")
            + (history.isWitnessed
                ? "; every checkpoint witnessed by the policy's quorum"
                : "; not witnessed (give --policy FILE to require the witnesses' cosignatures)")
            + "; \(subjectKeyCheck)")
}
