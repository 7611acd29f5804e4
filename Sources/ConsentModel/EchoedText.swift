import Crypto

/// Text a sender chose (a key id, a value the schema refused, a member name), as the ledger repeats it in a
/// verdict, and so in leaves, receipts and alerts. Up to ``maximumBytes`` bytes it is repeated as it is; longer
/// text is cut to its longest prefix of whole Unicode scalars within ``maximumBytes`` bytes, followed by
/// `… (N bytes, SHA-256 <hex>)` of the whole, so that what is echoed stays small yet names exactly what was sent.
public enum EchoedText {
    public static let maximumBytes = 128

    public static func capped(_ text: some StringProtocol) -> String {
        let count = text.utf8.count
        guard count > maximumBytes else { return String(text) }
        var prefix = String.UnicodeScalarView()
        var length = 0
        for scalar in text.unicodeScalars {
            length += UTF8.width(scalar)
            guard length <= maximumBytes else { break }
            prefix.append(scalar)
        }
        let digest = SHA256.hash(data: Array(text.utf8)).map { byte in
            String(byte >> 4, radix: 16) + String(byte & 0x0F, radix: 16)
        }
        return "\(String(prefix))… (\(count) bytes, SHA-256 \(digest.joined()))"
    }
}
