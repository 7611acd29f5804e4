import Foundation

/// A GET by curl, a client that is not ours, with a bearer token if given: the status, the content type and the body.
func get(_ url: String, token: String? = nil) throws -> (status: Int32, type: String, body: String) {
    let result = try ChildProcess.run(
        URL(fileURLWithPath: "/usr/bin/curl"),
        ["-s", "-o", "-", "-w", "\n%{http_code} %{content_type}"] + (token.map { ["-H", "Authorization: Bearer \($0)"] } ?? []) + [url])
    let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
    let last = (lines.last ?? "").split(separator: " ", maxSplits: 1)
    return (Int32(last.first ?? "") ?? 0, last.count > 1 ? String(last[1]) : "", lines.dropLast().joined(separator: "\n"))
}

/// A development API token that `ledgerctl token` mints with the issuer key in `dataDir`.
func developmentToken(_ role: String, _ subject: String, dataDir: String) throws -> String {
    try ChildProcess.run(ledgerctl, ["token", "--role", role, "--subject", subject, "--data-dir", dataDir])
        .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}
