import ArgumentParser
import ConsentModel
import Foundation
import LedgerClient
import PrivateFiles

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
            covers it yet), then a summary. With --save FILE, the whole proven history is fetched as one bundle, \
            checked the same way, shown and kept. Exit code 0 when the history verifies, 1 when it does not.
            """
    )

    @Option(help: "The ledgerd API's base URL.")
    var url: String = "http://127.0.0.1:8080"

    @Option(help: "The citizen's API token. Default: the environment variable LEDGER_API_TOKEN.")
    var token: String?

    @OptionGroup var trust: CitizenTrustOptions

    @Option(help: "Your subject identifier, as your token names it; it is blinded before it leaves this machine.")
    var subject: String?

    @Option(
        help:
            "Also keep the whole proven history in FILE, a bundle that `ledgerctl check-bundle` re-checks offline (docs/ledger-format.md §13). Accesses newer than a checkpoint are not in it."
    )
    var save: String?

    func validate() throws {
        if let save, FileManager.default.fileExists(atPath: save) {
            throw ValidationError("--save \(save): the file exists; name a new one (a bundle never replaces a file)")
        }
    }

    func run() async throws {
        guard let token = token ?? ProcessInfo.processInfo.environment["LEDGER_API_TOKEN"] else {
            throw ValidationError("a citizen token is needed: --token, or LEDGER_API_TOKEN")
        }
        guard let api = URL(string: url), api.scheme != nil else {
            throw ValidationError("--url must be a URL such as http://127.0.0.1:8080")
        }
        let trusted = try trust.load()
        if trust.subjectKey != nil, subject == nil {
            throw ValidationError("--subject-key needs --subject: your identifier is blinded with the key")
        }
        let history: CitizenHistory
        var me: CitizenHistory.Subject?
        do {
            if let subject {
                let subjectKey: SubjectOPRF.PublicKey
                if let key = trusted.subjectKey {
                    subjectKey = key
                } else {
                    subjectKey = try await CitizenHistory.statedSubjectKey(from: api, token: token, ledgerKey: trusted.ledgerKey)
                }
                me = CitizenHistory.Subject(identifier: subject, key: subjectKey)
            }
            if let save {
                let (bundle, checked) = try await CitizenHistory.fetchBundle(
                    from: api, token: token, ledgerKey: trusted.ledgerKey, witnessPolicy: trusted.witnessPolicy, subject: me)
                do { try PrivateFile.create(URL(fileURLWithPath: save), contents: Data(bundle.json)) } catch {
                    throw ValidationError("cannot keep the bundle in \(save): \(error)")
                }
                history = checked
            } else {
                history = try await CitizenHistory.fetch(
                    from: api, token: token, ledgerKey: trusted.ledgerKey, witnessPolicy: trusted.witnessPolicy, subject: me)
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("NOT VERIFIED: \(error)\n".utf8))
            throw ExitCode.failure
        }
        printHistory(
            history,
            subjectKeyCheck: me == nil
                ? "about the subject key the server named (give --subject to check it is yours)"
                : trusted.subjectKey == nil
                    ? "about your own subject key, by the blinded protocol under the key the ledger's signed statement gives (name it in your --policy, so that no ledger can show you another)"
                    : "about your own subject key, checked by the blinded protocol")
        if let save { emit("saved: \(save) (check it offline with ledgerctl check-bundle \(save) --ledger-key … --policy …)") }
    }
}
