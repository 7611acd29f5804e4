import ArgumentParser
import Foundation
import LedgerClient

/// A citizen's, a regulator's or a court's offline check of a saved history.
struct CheckBundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-bundle",
        abstract: "Check a saved history bundle offline and print the history it proves.",
        discussion: """
            A bundle (GET /v1/me/bundle, or `ledgerctl history --save FILE`) holds a citizen's whole proven history: \
            per ledger its signed checkpoints and their cosignatures, the subject-map proof and every one of the \
            citizen's leaves with its record and its inclusion proof (docs/ledger-format.md §13). This checks all of it \
            with nothing but the ledger key and the trust policy: the checkpoints are the ledger's (and carry the \
            policy's witness quorum), the leaves are the citizen's whole history up to them, each at its index, every \
            record is the one its leaf commits to and names the citizen, and the subject key statement is the \
            ledger's (and states the policy's subject key). That the subject key is the citizen's own takes the \
            blinded protocol with the ledger, which `ledgerctl history --subject` runs: it cannot be re-run offline.
              ledgerctl check-bundle my-history.json --ledger-key 3kF1…= --policy witnesses.policy
            Exit code 0 when the bundle checks, 1 when it does not.
            """
    )

    @Argument(help: "The bundle file.")
    var file: String

    @OptionGroup var trust: CitizenTrustOptions

    func run() async throws {
        let trusted = try trust.load()
        let bytes: Data
        do { bytes = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw ValidationError("cannot read \(file): \(error.localizedDescription)")
        }
        let bundle: HistoryBundle
        let history: CitizenHistory
        do {
            bundle = try HistoryBundle(json: Array(bytes))
            history = try bundle.check(
                ledgerKey: trusted.ledgerKey, witnessPolicy: trusted.witnessPolicy, subjectKey: trusted.subjectKey)
        } catch {
            FileHandle.standardError.write(Data("NOT VERIFIED: \(file): \(error)\n".utf8))
            throw ExitCode.failure
        }
        emit("bundle of \(bundle.subject)")
        printHistory(
            history,
            subjectKeyCheck:
                "about the subject key the bundle names, whose link to \(bundle.subject) only the blinded protocol shows (ledgerctl history --subject)"
        )
    }
}
