import Foundation

/// Any JSON object key, so a decoder can list the keys it was given.
struct AnyKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// `data.purposes[1]` from a coding path.
func fieldPath(_ codingPath: [any CodingKey]) -> String {
    codingPath.reduce("") { path, key in
        if let index = key.intValue { return "\(path)[\(index)]" }
        return path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)"
    }
}

extension Decoder {
    /// The object's members, after refusing any the schema does not define (naming the first one).
    /// One container per object: making one costs about as much as reading its members.
    func strictContainer(allowed: Set<String>) throws -> KeyedDecodingContainer<AnyKey> {
        let container = try container(keyedBy: AnyKey.self)
        if let unknown = container.allKeys.map(\.stringValue).filter({ !allowed.contains($0) }).sorted().first {
            throw ConsentModelError(
                .unknownField, at: fieldPath(codingPath + [AnyKey(stringValue: EchoedText.capped(unknown))]),
                "is not a field of this object; allowed: \(allowed.sorted().joined(separator: ", "))")
        }
        return container
    }
}

extension KeyedDecodingContainer {
    /// A member object's members, refusing any the schema does not define, as ``Decoder/strictContainer(allowed:)`` does.
    func strictNestedContainer(forKey key: Key, allowed: Set<String>) throws -> KeyedDecodingContainer<AnyKey> {
        _ = try nestedContainer(keyedBy: AnyKey.self, forKey: key)  // absent or not an object: said as for any member
        return try superDecoder(forKey: key).strictContainer(allowed: allowed)
    }

    /// A non-empty string of at most `maximumLength` characters (Unicode scalars, as JSON Schema's `maxLength` counts
    /// them), without control characters.
    func text(_ key: Key, maximumLength: Int = 256) throws -> String {
        let value = try decode(String.self, forKey: key)
        try checkText(value, key: key, maximumLength: maximumLength)
        return value
    }

    /// A non-empty list of distinct texts (institution ids), each as ``text(_:maximumLength:)`` checks one.
    func texts(_ key: Key, maximumLength: Int) throws -> [String] {
        let values = try decode([String].self, forKey: key)
        guard (1...Event.maximumListLength).contains(values.count), Set(values).count == values.count else {
            throw invalid(key, "must list from 1 to \(Event.maximumListLength) institution ids, each once")
        }
        for (index, value) in values.enumerated() {
            try checkText(value, path: fieldPath(codingPath + [key]) + "[\(index)]", maximumLength: maximumLength)
        }
        return values
    }

    /// A member the schema makes optional: absent, or present as it must be. `null` is neither, as in the schemas.
    func optional<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
        guard contains(key) else { return nil }
        return try decode(T.self, forKey: key)
    }

    func optionalText(_ key: Key, maximumLength: Int = 256) throws -> String? {
        guard let value = try optional(String.self, key) else { return nil }
        try checkText(value, key: key, maximumLength: maximumLength)
        return value
    }

    /// A non-empty list of distinct codes (`finance.account.transactions`), in the order given.
    func codes(_ key: Key) throws -> [String] {
        let values = try decode([String].self, forKey: key)
        guard (1...Event.maximumListLength).contains(values.count) else {
            throw invalid(key, "must list from 1 to \(Event.maximumListLength) codes, not \(values.count)")
        }
        for (index, value) in values.enumerated() where !isCode(value) {
            throw ConsentModelError(
                .invalidValue, at: fieldPath(codingPath + [key]) + "[\(index)]",
                "\"\(EchoedText.capped(value))\" is not a code: lowercase words of letters, digits and '-', joined by '.'")
        }
        guard Set(values).count == values.count else { throw invalid(key, "lists a code twice") }
        return values
    }

    func code(_ key: Key) throws -> String {
        let value = try decode(String.self, forKey: key)
        guard isCode(value) else {
            throw invalid(key, "\"\(EchoedText.capped(value))\" is not a code: lowercase words of letters, digits and '-', joined by '.'")
        }
        return value
    }

    /// One of a fixed set of values.
    func oneOf(_ key: Key, _ allowed: [String]) throws -> String {
        let value = try decode(String.self, forKey: key)
        guard allowed.contains(value) else {
            throw invalid(key, "\"\(EchoedText.capped(value))\" is not one of \(allowed.joined(separator: ", "))")
        }
        return value
    }

    func invalid(_ key: Key, _ reason: String) -> ConsentModelError {
        ConsentModelError(.invalidValue, at: fieldPath(codingPath + [key]), reason)
    }

    private func checkText(_ value: String, key: Key, maximumLength: Int) throws {
        try checkText(value, path: fieldPath(codingPath + [key]), maximumLength: maximumLength)
    }

    private func checkText(_ value: String, path: String, maximumLength: Int) throws {
        if let problem = value.textProblem(maximumLength: maximumLength) { throw ConsentModelError(.invalidValue, at: path, problem) }
    }

    /// Codes are ASCII, so their bytes are their characters.
    private func isCode(_ value: String) -> Bool {
        let lowercase = UInt8(ascii: "a")...UInt8(ascii: "z")
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        return !value.isEmpty && value.utf8.count <= 128
            && value.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { word in
                guard let first = word.first, lowercase.contains(first) else { return false }
                return word.allSatisfy { lowercase.contains($0) || digits.contains($0) || $0 == UInt8(ascii: "-") }
            }
    }
}

extension String {
    /// At most `characters` Unicode scalars long (JSON Schema's characters: a grapheme may hold any number of
    /// scalars). A byte count cannot be below the scalar count, so a short one settles it without counting.
    func fitsIn(_ characters: Int) -> Bool {
        utf8.count <= characters || unicodeScalars.count <= characters
    }

    /// What is wrong with this as free text (a name, a reason) of at most `maximumLength` characters, if anything.
    func textProblem(maximumLength: Int) -> String? {
        if isEmpty { return "must not be empty" }
        if !fitsIn(maximumLength) { return "is \(unicodeScalars.count) characters, over the limit of \(maximumLength)" }
        if unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { return "must not contain control characters" }
        return nil
    }
}

extension DecodingError {
    /// The same failure in the ledger's terms: a field path and what is wrong with it.
    var consentModelError: ConsentModelError {
        switch self {
        case .keyNotFound(let key, let context):
            return ConsentModelError(.missingField, at: fieldPath(context.codingPath + [key]), "is required")
        case .typeMismatch(let type, let context):
            return ConsentModelError(.wrongType, at: fieldPath(context.codingPath), "must be \(Self.describe(type))")
        case .valueNotFound(let type, let context):
            return ConsentModelError(.wrongType, at: fieldPath(context.codingPath), "must be \(Self.describe(type)), not null")
        case .dataCorrupted(let context):
            return ConsentModelError(
                context.codingPath.isEmpty ? .malformedJSON : .invalidValue, at: fieldPath(context.codingPath),
                EchoedText.capped(context.debugDescription))
        @unknown default:
            return ConsentModelError(.malformedJSON, EchoedText.capped("\(self)"))
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int64.Type, is Int.Type: "an integer"
        case is Bool.Type: "true or false"
        case is [String].Type, is [Any].Type: "an array"
        default: "an object"
        }
    }
}
