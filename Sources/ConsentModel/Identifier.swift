/// The identifiers rules/v2 compares (institution, key, event, consent and access ids): 1 to 128 of the ASCII letters,
/// digits and `.`, `_`, `:`, `/`, `@`, `-`. Being ASCII, they compare byte for byte however they are compared, so a
/// look-alike (KELVIN SIGN for `K`) cannot pass for another institution's id.
public enum Identifier {
    public static let maximumLength = 128

    public static func isValid(_ text: String) -> Bool {
        (1...maximumLength).contains(text.utf8.count) && text.utf8.allSatisfy(isAllowed)
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "@"), UInt8(ascii: "-"): true
        default: false
        }
    }

    public static let rule = "is not an identifier: 1 to \(maximumLength) ASCII letters, digits and . _ : / @ -"

    /// The first identifier of `event` that is not one, in the order docs/events.md lists them: `id`, `source`, then
    /// the `data` members. rules/v2 rejects such an event as malformed.
    public static func firstInvalid(in event: Event) -> ConsentModelError? {
        var fields: [(path: String, value: String)] = [("id", event.id), ("source", event.source)]
        switch event.data {
        case .consentGranted(let grant):
            fields += [("data.consentId", grant.consentId), ("data.dataHolder", grant.dataHolder)]
            fields += grant.recipients.enumerated().map { ("data.recipients[\($0.offset)]", $0.element) }
            fields += grant.supersedes.map { [("data.supersedes", $0)] } ?? []
        case .consentRevoked(let revocation):
            fields += [("data.consentId", revocation.consentId)]
        case .accessPerformed(let access):
            fields += [("data.accessId", access.accessId), ("data.accessor", access.accessor), ("data.dataHolder", access.dataHolder)]
            fields += access.consentId.map { [("data.consentId", $0)] } ?? []
        case .erasureRequested(let request):
            fields += [("data.requestId", request.requestId)]
        case .registry:
            break  // decoded as identifiers already
        }
        return fields.first { !isValid($0.value) }.map {
            ConsentModelError(.invalidValue, at: $0.path, "\"\(EchoedText.capped($0.value))\" \(rule)")
        }
    }
}

extension KeyedDecodingContainer where Key == AnyKey {
    func identifier(_ key: Key) throws -> String {
        let value = try decode(String.self, forKey: key)
        guard Identifier.isValid(value) else { throw invalid(key, "\"\(EchoedText.capped(value))\" \(Identifier.rule)") }
        return value
    }
}
