/// Kafka headers as stored beside a leaf: a count, then each name and value, length-prefixed
/// (a value length of 0xFFFFFFFF stands for a header without value).
enum StoredHeaders {
    static func encode(_ headers: [(name: String, value: [UInt8]?)]) -> [UInt8] {
        var w = ByteWriter()
        w.u32(UInt32(headers.count))
        for header in headers {
            w.text(header.name)
            if let value = header.value { w.blob(value) } else { w.u32(.max) }
        }
        return w.bytes
    }

    static func decode(_ bytes: [UInt8]) throws -> [(name: String, value: [UInt8]?)] {
        var r = ByteReader(bytes)
        return try (0..<r.u32()).map { _ in
            let name = try r.text()
            let count = try r.u32()
            return (name, count == .max ? nil : Array(try r.raw(Int(count))))
        }
    }
}
