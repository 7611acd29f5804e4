import Foundation

// embed-verifier-checks PAGE OUTPUT: writes to OUTPUT a Swift file whose `VerifierChecks.script` is the text of PAGE's
// `<script id="checks">` block (docs/verify.html). Run by the EmbedVerifierChecks build plugin.
let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: embed-verifier-checks PAGE OUTPUT\n".utf8))
    exit(2)
}
let page = try String(contentsOfFile: arguments[1], encoding: .utf8)
guard let start = page.range(of: "<script id=\"checks\">\n"), let end = page.range(of: "</script>", range: start.upperBound..<page.endIndex)
else {
    FileHandle.standardError.write(Data("\(arguments[1]): no <script id=\"checks\"> block ending in </script>\n".utf8))
    exit(1)
}
let script = String(page[start.upperBound..<end.lowerBound])
// A raw string's delimiter must not occur in it: as many # as it takes.
var hashes = "#"
while script.contains("\"\"\"" + hashes) || script.contains("\\" + hashes) { hashes += "#" }
let source = """
    // Made by the EmbedVerifierChecks build plugin from docs/verify.html's checks: edit that file, not this one.
    enum VerifierChecks {
        static let script = \(hashes)\"\"\"
    \(script)
    \"\"\"\(hashes)
    }

    """
try source.write(toFile: arguments[2], atomically: true, encoding: .utf8)
