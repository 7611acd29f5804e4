public import Crypto
import Foundation
public import MerkleLog

/// The keys the proof view checks the citizen's bundle against in the browser: the ledger's own, as this server holds
/// them. A check with keys the checked server hands out catches corruption and mistakes, not a lying operator; for that,
/// the citizen checks the downloaded file with keys from elsewhere (docs/verify.html, `ledgerctl check-bundle`).
public struct PortalKeys: Sendable {
    let ledgerKey: Curve25519.Signing.PublicKey
    /// The witnesses whose cosignatures the ledger keeps (ledgerd's `--witnesses`).
    let witnesses: [NoteVerifier]

    public init(ledgerKey: Curve25519.Signing.PublicKey, witnesses: [NoteVerifier]) {
        self.ledgerKey = ledgerKey
        self.witnesses = witnesses
    }

    /// A trust policy (docs/ledger-format.md §7) of the witnesses, with no quorum required (the view shows who
    /// cosigned), and the ledger's subject key if it has one.
    func policy(subjectKey: [UInt8]?) -> String {
        (witnesses.map { "witness \($0.vkey)" } + ["quorum 0"]
            + (subjectKey.map { ["subject-key \(Data($0).base64EncodedString())"] } ?? []))
            .map { $0 + "\n" }.joined()
    }

    var ledgerKeyBase64: String { Data(ledgerKey.rawRepresentation).base64EncodedString() }
}
