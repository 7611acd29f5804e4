import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Files only their owner may read: the ledger's secrets, institutions' keys, and the ledgers themselves (which hold
/// raw events with citizens' identifiers). Created owner-only from their first byte, never replaced, and read with
/// an error that tells "there is no such file" (the only case in which a caller may create one) from every other
/// failure, which names the path and what to do.
public enum PrivateFile {
    /// Creates `file` holding `contents`, readable and writable by its owner only from the moment it exists
    /// (`O_CREAT | O_EXCL`, mode 0600: an existing file is never replaced), and syncs it to disk.
    public static func create(_ file: URL, contents: Data) throws {
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = errno
            throw PrivateFileError(
                reason == EEXIST ? .exists : .cannotCreate, path: file.path,
                reason == EEXIST
                    ? "exists already, and a secret file is never replaced: remove it first, or choose another path"
                    : "cannot be created: \(String(cString: strerror(reason)))")
        }
        defer { close(descriptor) }
        try contents.withUnsafeBytes { bytes in
            var written = 0
            while written < bytes.count {
                let count = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
                guard count > 0 else {
                    throw PrivateFileError(.cannotCreate, path: file.path, "could not be written: \(String(cString: strerror(errno)))")
                }
                written += count
            }
        }
        guard fsync(descriptor) == 0 else {
            throw PrivateFileError(.cannotCreate, path: file.path, "could not be synced to disk: \(String(cString: strerror(errno)))")
        }
    }

    /// The bytes of `file`, or `nil` when there is no such file. Any other failure (its mode or owner, a directory in
    /// its place, a failing disk) throws and names the path: such a file exists, and must not be taken for missing.
    public static func readIfPresent(_ file: URL) throws -> Data? {
        let descriptor = open(file.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = errno
            guard reason != ENOENT else { return nil }
            throw PrivateFileError(.unreadable, path: file.path, unreadable(reason))
        }
        defer { close(descriptor) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            guard count >= 0 else { throw PrivateFileError(.unreadable, path: file.path, unreadable(errno)) }
            guard count > 0 else { return data }
            data.append(contentsOf: buffer[..<count])
        }
    }

    private static func unreadable(_ reason: Int32) -> String {
        "exists but cannot be read (\(String(cString: strerror(reason)))): give it back to the user ledgerd runs as (uid \(getuid())), mode 0600, or restore it from a backup; it is never replaced by a new one"
    }

    /// Makes `directory` (created if needed, with its parents) enterable by its owner only, mode 0700. Returns the
    /// mode it had when that was looser, so that the caller can say it tightened it.
    @discardableResult
    public static func restrictDirectory(_ directory: URL) throws -> mode_t? {
        if mkdir(directory.path, 0o700) == 0 { return nil }
        if errno == ENOENT {
            try FileManager.default.createDirectory(at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
            if mkdir(directory.path, 0o700) == 0 { return nil }
        }
        guard errno == EEXIST else {
            throw PrivateFileError(.cannotCreate, path: directory.path, "cannot be created: \(String(cString: strerror(errno)))")
        }
        return try restrict(directory.path, to: 0o700)
    }

    /// Restricts an existing file to its owner (mode 0600); `nil` if it is missing or already as strict. Returns the
    /// looser mode it had.
    @discardableResult
    public static func restrictFile(_ path: String) throws -> mode_t? {
        try restrict(path, to: 0o600)
    }

    private static func restrict(_ path: String, to mode: mode_t) throws -> mode_t? {
        var status = stat()
        guard stat(path, &status) == 0 else {
            guard errno == ENOENT else { throw PrivateFileError(.unreadable, path: path, unreadable(errno)) }
            return nil
        }
        let current = status.st_mode & 0o777
        guard current & ~mode != 0 else { return nil }
        guard chmod(path, mode) == 0 else {
            throw PrivateFileError(.cannotCreate, path: path, "cannot be made owner-only: \(String(cString: strerror(errno)))")
        }
        return current
    }
}

/// Why a private file could not be created, read or restricted.
public struct PrivateFileError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The file to create exists already.
        public static let exists = Code("exists")
        /// The file or directory could not be created, written or restricted.
        public static let cannotCreate = Code("cannotCreate")
        /// The file exists but cannot be read.
        public static let unreadable = Code("unreadable")
    }

    public let code: Code
    public let path: String
    public let reason: String

    init(_ code: Code, path: String, _ reason: String) {
        self.code = code
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path) \(reason)" }
}
