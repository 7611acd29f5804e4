import Crypto
import Foundation

/// A 32-byte SHA-256 output: a leaf hash, a tree node, a root, a chain link or a map node.
///
/// Stored inline (no heap allocation), so trees of millions of hashes stay cheap.
public struct SHA256Hash: Hashable, Sendable, Comparable, CustomStringConvertible {
    @usableFromInline var words: (UInt64, UInt64, UInt64, UInt64)

    /// All zero bytes: the hash of an empty subject-map subtree.
    public static let zero = SHA256Hash(words: (0, 0, 0, 0))

    @usableFromInline init(words: (UInt64, UInt64, UInt64, UInt64)) {
        self.words = words
    }

    /// The hash of exactly 32 bytes; `nil` for any other length. Inlinable, so that callers get it
    /// specialized for their collection instead of the generic path (a cost when reading millions of leaves).
    @inlinable
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        self.init(words: (0, 0, 0, 0))
        withUnsafeMutableBytes(of: &words) { $0.copyBytes(from: bytes) }
    }

    init(_ digest: SHA256.Digest) {
        self.init(words: (0, 0, 0, 0))
        digest.withUnsafeBytes { source in
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: source) }
        }
    }

    /// SHA-256 of `data`.
    public static func of(_ data: [UInt8]) -> SHA256Hash {
        var hasher = SHA256()
        data.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return SHA256Hash(hasher.finalize())
    }

    /// Parses 64 hex digits.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.init(bytes: bytes)
    }

    /// Parses standard base64 (RFC 4648 §4) of 32 bytes.
    public init?(base64: String) {
        guard let data = Data(base64Encoded: base64) else { return nil }
        self.init(bytes: data)
    }

    public var bytes: [UInt8] { withUnsafeBytes(Array.init) }
    public var hex: String { bytes.hex }
    public var base64: String { Data(bytes).base64EncodedString() }
    public var description: String { hex }

    /// The raw bytes, for hashing without a copy.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    /// SHA-256 of `byteCount` bytes that `write` puts into a buffer on the stack. The small inputs hashed by the
    /// million (tree nodes, chain links, map leaves) go through the digest in one update rather than one per part:
    /// each update has a fixed cost (a uniqueness check, a call into BoringSSL) of the order of hashing 32 bytes.
    static func of(byteCount: Int, _ write: (UnsafeMutableRawBufferPointer) -> Void) -> SHA256Hash {
        withUnsafeTemporaryAllocation(byteCount: byteCount, alignment: 8) { buffer in
            write(buffer)
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(buffer))
            return SHA256Hash(hasher.finalize())
        }
    }

    /// Copies the 32 bytes into `buffer` at `offset`.
    func write(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<offset + 32]).copyMemory(from: $0) }
    }

    /// Bit `index` (0 = the most significant bit of the first byte), as the subject map walks keys.
    public func bit(_ index: Int) -> Bool {
        withUnsafeBytes { ($0[index >> 3] >> (7 - UInt8(index & 7))) & 1 == 1 }
    }

    public static func == (lhs: SHA256Hash, rhs: SHA256Hash) -> Bool {
        lhs.words == rhs.words
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// Byte-wise order, the order of the subject map's keys: each word read as the big-endian number its bytes are.
    public static func < (lhs: SHA256Hash, rhs: SHA256Hash) -> Bool {
        let (l, r) = (lhs.words, rhs.words)
        return (l.0.bigEndian, l.1.bigEndian, l.2.bigEndian, l.3.bigEndian) < (r.0.bigEndian, r.1.bigEndian, r.2.bigEndian, r.3.bigEndian)
    }
}

private func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
    default: nil
    }
}

extension Sequence<UInt8> {
    /// Lowercase hex, two digits per byte (as this project writes hashes), built in one buffer: the API writes
    /// two per leaf it serves.
    public var hex: String {
        var text: [UInt8] = []
        text.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

private let hexDigits = Array("0123456789abcdef".utf8)
