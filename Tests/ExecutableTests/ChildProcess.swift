import Foundation

/// The package's root, found from this file's place in it.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The built executables; `make test` builds them before the tests run.
let ledgerctl = packageRoot.appendingPathComponent(".build/debug/ledgerctl")
let ledgerd = packageRoot.appendingPathComponent(".build/debug/ledgerd")

/// A process started by a test, stopped (SIGTERM) when the test lets go of it.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    private let stdout = Pipe()
    private let stderr = Pipe()

    init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw ChildProcessError(message: "\(executable.path) is missing; build it first (`swift build`, or use `make test`)")
        }
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// Standard output read but not yet consumed by ``waitForLine(startingWith:)``.
    private var unread = Data()

    /// Reads standard output line by line until one starts with `prefix`; returns the rest of it.
    /// Lines before it are consumed; lines after it stay for the next call.
    func waitForLine(startingWith prefix: String) throws -> String {
        while true {
            while let newline = unread.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: unread[unread.startIndex..<newline], as: UTF8.self)
                unread = Data(unread[unread.index(after: newline)...])
                if line.hasPrefix(prefix) { return String(line.dropFirst(prefix.count)) }
            }
            let chunk = stdout.fileHandleForReading.availableData
            guard !chunk.isEmpty else {
                throw ChildProcessError(message: "output ended before a line starting with \(prefix); stderr: \(errorOutput())")
            }
            unread.append(chunk)
        }
    }

    /// Waits for the process to exit; everything it wrote, and its exit status.
    func finish() -> (status: Int32, stdout: String, stderr: String) {
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    private func errorOutput() -> String {
        String(decoding: stderr.fileHandleForReading.availableData, as: UTF8.self)
    }

    /// Runs a command to completion.
    static func run(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try ChildProcess(executable, arguments).finish()
    }
}

struct ChildProcessError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// `kcat`, which `make test` installs with the other system packages.
let kcat = URL(fileURLWithPath: "/usr/bin/kcat")
