import ArgumentParser
import ConsentModel
import Foundation

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check event files with the ledger's own strict decoder, as ledgerd will read them.",
        discussion: """
            Each file is one event, the exact bytes a producer would put in a Kafka value. For each, one line: \
            "ok FILE", or the reason ledgerd would reject it as malformed, naming the field or the byte where the \
            text stops being JSON:
              ledgerctl validate event.json
              malformed event.json: data.purposes[1]: "Marketing!" is not a code: …
            Signatures and the registry are not checked here (ledgerctl publish signs; ledgerd checks both).
            --json writes one JSON object per file instead: file, accepted, and for a refusal code, path and reason.
            Exit code 0 when every file is accepted, 1 otherwise.
            """
    )

    @Flag(help: "One JSON object per line: {\"file\", \"accepted\", \"code\", \"path\", \"reason\"}.")
    var json = false

    @Argument(help: "Event files.")
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one event file") }
    }

    func run() throws {
        var refused = 0
        for file in files {
            let outcome: (code: String, path: String, reason: String)?
            do {
                _ = try Event.decode(Array(try Data(contentsOf: URL(fileURLWithPath: file))))
                outcome = nil
            } catch let error as ConsentModelError {
                outcome = ("\(error.code)", error.path, error.reason)
            } catch {
                outcome = ("unreadable", "", error.localizedDescription)
            }
            if outcome != nil { refused += 1 }
            if json {
                var object: [String: Any] = ["file": file, "accepted": outcome == nil]
                if let outcome {
                    object["code"] = outcome.code
                    object["path"] = outcome.path
                    object["reason"] = outcome.reason
                }
                emit(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            } else if let outcome {
                emit("malformed \(file): " + (outcome.path.isEmpty ? outcome.reason : "\(outcome.path): \(outcome.reason)"))
            } else {
                emit("ok \(file)")
            }
        }
        if refused > 0 { throw ExitCode.failure }
    }
}
