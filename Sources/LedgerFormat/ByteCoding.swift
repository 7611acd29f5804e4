/// Big-endian, length-prefixed binary writing and reading, for the leaf format.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { append(UInt64(value), width: 2) }
    mutating func u32(_ value: UInt32) { append(UInt64(value), width: 4) }
    mutating func u64(_ value: UInt64) { append(value, width: 8) }
    mutating func raw(_ value: [UInt8]) { bytes += value }

    /// A UTF-8 string behind a 2-byte length.
    mutating func text(_ value: String) {
        let utf8 = Array(value.utf8)
        precondition(utf8.count <= UInt16.max, "a leaf string is at most 65535 bytes")
        u16(UInt16(utf8.count))
        raw(utf8)
    }

    /// Bytes behind a 4-byte length.
    mutating func blob(_ value: [UInt8]) {
        u32(UInt32(value.count))
        raw(value)
    }

    private mutating func append(_ value: UInt64, width: Int) {
        for shift in stride(from: (width - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }
}

/// Reads what ``ByteWriter`` wrote, copying only what it returns as a whole (strings, blobs).
struct ByteReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position == bytes.count }

    mutating func u8() throws -> UInt8 { try take(1).first! }
    mutating func u16() throws -> UInt16 { UInt16(try integer(2)) }
    mutating func u32() throws -> UInt32 { UInt32(try integer(4)) }
    mutating func u64() throws -> UInt64 { try integer(8) }
    mutating func raw(_ count: Int) throws -> ArraySlice<UInt8> { try take(count) }
    mutating func text() throws -> String {
        let count = Int(try u16())
        // Validating a contiguous buffer takes the standard library's fast path; an ArraySlice does not.
        guard let text = try take(count).withUnsafeBufferPointer({ String(validating: $0, as: UTF8.self) }) else {
            throw LedgerFormatError(.malformedLeaf, "a string is not UTF-8")
        }
        return text
    }
    mutating func blob() throws -> [UInt8] { Array(try take(Int(try u32()))) }

    private mutating func integer(_ width: Int) throws -> UInt64 {
        try take(width).reduce(0) { $0 << 8 | UInt64($1) }
    }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count <= bytes.count - position else {
            throw LedgerFormatError(.malformedLeaf, "ends \(count - (bytes.count - position)) bytes early")
        }
        defer { position += count }
        return bytes[position..<position + count]
    }
}
