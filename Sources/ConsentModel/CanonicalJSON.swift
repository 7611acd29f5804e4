import Foundation

/// Compact JSON with keys in byte order and slashes unescaped: the one encoding the ledger writes, so
/// equal values always give equal bytes. Foundation's encoder, shared: it keeps no state between calls.
public enum CanonicalJSON {
    private static let encoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Throws only for values JSON cannot hold (such as a non-finite number).
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder.encode(value))
    }
}
