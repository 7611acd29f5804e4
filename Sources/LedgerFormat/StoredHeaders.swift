/// Kafka headers as stored beside a leaf: a count, then each name and value, length-prefixed
/// (a value length of 0xFFFFFFFF stands for a header without value).
package enum StoredHeaders {
    package static func encode(_ headers: [(name: String, value: [UInt8]?)]) -> [UInt8] {
        var w = ByteWriter()
        w.u32(UInt32(headers.count))
        for header in headers {
            w.text(header.name)
            if let value = header.value { w.blob(value) } else { w.u32(.max) }
        }
        return w.bytes
    }

    /// Reads what ``encode(_:)`` wrote. The count is not trusted to size anything: each header must be there.
    package static func decode(_ bytes: [UInt8]) throws -> [(name: String, value: [UInt8]?)] {
        var r = ByteReader(bytes)
        let count = try r.u32()
        var headers: [(name: String, value: [UInt8]?)] = []
        for _ in 0..<count {
            let name = try r.text()
            let length = try r.u32()
            headers.append((name, length == .max ? nil : Array(try r.raw(Int(length)))))
        }
        guard r.isAtEnd else { throw LedgerFormatError(.malformedLeaf, "trailing bytes after the stored headers") }
        return headers
    }
}
