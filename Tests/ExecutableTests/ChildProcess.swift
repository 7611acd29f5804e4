import Foundation

/// The package's root, found from this file's place in it.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The built executables; `make test` builds them before the tests run.
let ledgerctl = packageRoot.appendingPathComponent(".build/debug/ledgerctl")
let ledgerd = packageRoot.appendingPathComponent(".build/debug/ledgerd")

/// A process started by a test, stopped (SIGTERM) when the test lets go of it.
///
/// Its standard error is read all along on a thread of its own: a process that logs more than a pipe holds would
/// otherwise stop, blocked on writing, while the test waits for its standard output (or for it to exit).
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    private let stdout = Pipe()
    private let stderr = Pipe()
    private let errors = ErrorOutput()

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
        let (handle, errors) = (stderr.fileHandleForReading, self.errors)
        Thread.detachNewThread { errors.read(handle) }
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// Standard output read but not yet consumed by ``waitForLine(startingWith:)``.
    private var unread = Data()

    /// Reads standard output line by line until one starts with `prefix`; returns the rest of it.
    /// Lines before it are consumed; lines after it stay for the next call.
    func waitForLine(startingWith prefix: String) throws -> String {
        try waitForLines(startingWith: [prefix])[prefix]!
    }

    /// Reads standard output line by line until a line starting with each of `prefixes` has come, in any order (services
    /// that start together print theirs in either order); returns the rest of each. Other lines are consumed.
    /// Gives up after `timeout`, saying what it waited for: a test fails instead of hanging.
    func waitForLines(startingWith prefixes: [String], timeout: Duration = .seconds(120)) throws -> [String: String] {
        let deadline = ContinuousClock.now + timeout
        var found: [String: String] = [:]
        while found.count < prefixes.count {
            let line = try nextLine(awaiting: prefixes.filter { found[$0] == nil }, until: deadline)
            if let prefix = prefixes.first(where: { found[$0] == nil && line.hasPrefix($0) }) {
                found[prefix] = String(line.dropFirst(prefix.count))
            }
        }
        return found
    }

    private func nextLine(awaiting prefixes: [String], until deadline: ContinuousClock.Instant) throws -> String {
        let awaited = prefixes.joined(separator: " or ")
        while true {
            if let newline = unread.firstIndex(of: UInt8(ascii: "\n")) {
                defer { unread = Data(unread[unread.index(after: newline)...]) }
                return String(decoding: unread[unread.startIndex..<newline], as: UTF8.self)
            }
            var output = pollfd(fd: stdout.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
            let left = deadline - .now
            let milliseconds = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
            guard milliseconds > 0 else {
                throw ChildProcessError(message: "no line starting with \(awaited) in time; stderr: \(errorOutput())")
            }
            guard poll(&output, 1, Int32(clamping: milliseconds)) > 0 else { continue }  // timed out (caught above) or interrupted
            let chunk = stdout.fileHandleForReading.availableData
            guard !chunk.isEmpty else {
                throw ChildProcessError(
                    message: "output ended before a line starting with \(awaited); stderr: \(errorOutput())")
            }
            unread.append(chunk)
        }
    }

    /// Waits for the process to exit; everything it wrote, and its exit status.
    func finish() -> (status: Int32, stdout: String, stderr: String) {
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), errors.wholeText())
    }

    private func errorOutput() -> String { errors.text() }

    /// Runs a command to completion.
    static func run(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try ChildProcess(executable, arguments).finish()
    }
}

/// A process's standard error, gathered by a reader thread until the process closes it.
private final class ErrorOutput: @unchecked Sendable {
    private let lock = NSCondition()
    private var data = Data()
    private var isComplete = false

    func read(_ handle: FileHandle) {
        while true {
            let chunk = handle.availableData
            lock.lock()
            if chunk.isEmpty { isComplete = true } else { data.append(chunk) }
            lock.broadcast()
            lock.unlock()
            if chunk.isEmpty { return }
        }
    }

    /// What was read so far.
    func text() -> String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    /// Everything, once the process has closed its standard error.
    func wholeText() -> String {
        lock.lock()
        defer { lock.unlock() }
        while !isComplete { lock.wait() }
        return String(decoding: data, as: UTF8.self)
    }
}

struct ChildProcessError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// `kcat`, which `make test` installs with the other system packages.
let kcat = URL(fileURLWithPath: "/usr/bin/kcat")
