/// Checks that bytes are one JSON text (RFC 8259) before anything decodes them, and says where they are not:
/// the byte offset, what was expected there and what was found. Foundation's parsers only say "not valid
/// JSON", and keep the last of two equal keys without a word, so a producer could show one value to one
/// reader and another to the next: the first key repeated within an object is reported too.
///
/// Stricter than Foundation only where RFC 8259 is: no byte order mark, no lone surrogate escape, nesting
/// at most ``maximumDepth`` deep (the event schemas need four).
public enum JSONSyntax {
    public static let maximumDepth = 64

    /// Throws ``ConsentModelError/Code/malformedJSON`` naming where the text stops being JSON; otherwise
    /// returns the path of the first key repeated within one object (such as `data.purposes`), if any.
    public static func check(_ json: [UInt8]) throws -> String? {
        if let offset = firstInvalidUTF8(json) {
            throw ConsentModelError(.malformedJSON, "not JSON: the byte at offset \(offset) is not UTF-8")
        }
        var scanner = Scanner(bytes: json)
        scanner.skipWhitespace()
        try scanner.value(depth: 0)
        scanner.skipWhitespace()
        guard scanner.position == json.count else { throw scanner.failure(expected: "the end of the text after the value") }
        return scanner.repeatedKey
    }

    /// The offset of the first byte that does not start or continue a UTF-8 encoded scalar.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        if String(validating: bytes, as: UTF8.self) != nil { return nil }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}

extension JSONSyntax {
    /// A recursive descent over RFC 8259's grammar, bounded by ``maximumDepth``.
    struct Scanner {
        let bytes: [UInt8]
        var position = 0
        private(set) var repeatedKey: String?
        /// The member names and element indexes leading to the value being read, to name a repeated key.
        private var path: [PathStep] = []

        init(bytes: [UInt8]) { self.bytes = bytes }

        enum PathStep {
            case member(String)
            case element(Int)
        }

        mutating func value(depth: Int) throws {
            guard position < bytes.count else { throw failure(expected: "a value") }
            switch bytes[position] {
            case UInt8(ascii: "{"): try object(depth: depth + 1)
            case UInt8(ascii: "["): try array(depth: depth + 1)
            case UInt8(ascii: "\""): _ = try string(keeping: false)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: throw failure(expected: "a value (an object, array, string, number, true, false or null)")
            }
        }

        private mutating func object(depth: Int) throws {
            try checkDepth(depth)
            position += 1
            skipWhitespace()
            if take(UInt8(ascii: "}")) { return }
            var names: Set<[UInt8]> = []
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw failure(expected: "a member name in double quotes")
                }
                let name = try string(keeping: true)
                let text = String(decoding: name, as: UTF8.self)
                if !names.insert(name).inserted, repeatedKey == nil { repeatedKey = Self.describe(path + [.member(text)]) }
                skipWhitespace()
                guard take(UInt8(ascii: ":")) else { throw failure(expected: "':' after the member name") }
                skipWhitespace()
                path.append(.member(text))
                try value(depth: depth)
                path.removeLast()
                skipWhitespace()
                if take(UInt8(ascii: ",")) { continue }
                if take(UInt8(ascii: "}")) { return }
                throw failure(expected: "',' or '}' after a member")
            }
        }

        private mutating func array(depth: Int) throws {
            try checkDepth(depth)
            position += 1
            skipWhitespace()
            if take(UInt8(ascii: "]")) { return }
            var index = 0
            while true {
                skipWhitespace()
                path.append(.element(index))
                try value(depth: depth)
                path.removeLast()
                skipWhitespace()
                if take(UInt8(ascii: ",")) {
                    index += 1
                    continue
                }
                if take(UInt8(ascii: "]")) { return }
                throw failure(expected: "',' or ']' after an element")
            }
        }

        /// Reads a string; with `keeping`, returns its content with escapes resolved (UTF-8), for member names.
        private mutating func string(keeping: Bool) throws -> [UInt8] {
            position += 1
            var content: [UInt8] = []
            while true {
                guard position < bytes.count else { throw failure(expected: "'\"' to close the string") }
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    return content
                case UInt8(ascii: "\\"):
                    position += 1
                    let scalar = try escape()
                    if keeping { content += Array(String(Character(scalar)).utf8) }
                case 0..<0x20:
                    throw failure(expected: "a character, not a control character (escape it) inside a string")
                default:
                    if keeping { content.append(byte) }
                    position += 1
                }
            }
        }

        /// The scalar an escape after a backslash stands for; a `\u` surrogate must be a whole pair.
        private mutating func escape() throws -> Unicode.Scalar {
            guard position < bytes.count else { throw failure(expected: "an escape after '\\'") }
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return Unicode.Scalar(byte)
            case UInt8(ascii: "b"): return "\u{8}"
            case UInt8(ascii: "f"): return "\u{C}"
            case UInt8(ascii: "n"): return "\n"
            case UInt8(ascii: "r"): return "\r"
            case UInt8(ascii: "t"): return "\t"
            case UInt8(ascii: "u"):
                let first = try hexQuad()
                if (0xDC00...0xDFFF).contains(first) {
                    throw failure(at: position - 6, expected: "a high surrogate (\\uD800 to \\uDBFF) before a low one")
                }
                guard (0xD800...0xDBFF).contains(first) else { return Unicode.Scalar(first)! }
                guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")) else {
                    throw failure(expected: "a low surrogate escape (\\uDC00 to \\uDFFF) after a high one")
                }
                let second = try hexQuad()
                guard (0xDC00...0xDFFF).contains(second) else {
                    throw failure(at: position - 6, expected: "a low surrogate escape (\\uDC00 to \\uDFFF) after a high one")
                }
                return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))!
            default:
                position -= 1
                throw failure(expected: "one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u after '\\'")
            }
        }

        private mutating func hexQuad() throws -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard position < bytes.count, let digit = Self.hexDigit(bytes[position]) else {
                    throw failure(expected: "four hexadecimal digits after \\u")
                }
                value = value << 4 | digit
                position += 1
            }
            return value
        }

        private static func hexDigit(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
        private mutating func number() throws {
            _ = take(UInt8(ascii: "-"))
            if !take(UInt8(ascii: "0")) {
                guard digits() > 0 else { throw failure(expected: "a digit") }
            }
            if take(UInt8(ascii: ".")) {
                guard digits() > 0 else { throw failure(expected: "a digit after the decimal point") }
            }
            if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
                _ = take(UInt8(ascii: "+")) || take(UInt8(ascii: "-"))
                guard digits() > 0 else { throw failure(expected: "a digit in the exponent") }
            }
        }

        private mutating func digits() -> Int {
            let start = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
            return position - start
        }

        private mutating func literal(_ word: String) throws {
            for byte in word.utf8 {
                guard position < bytes.count, bytes[position] == byte else { throw failure(expected: word) }
                position += 1
            }
        }

        private func checkDepth(_ depth: Int) throws {
            guard depth <= JSONSyntax.maximumDepth else {
                throw failure(expected: "no more than \(JSONSyntax.maximumDepth) nested objects and arrays")
            }
        }

        mutating func skipWhitespace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        func failure(at offset: Int? = nil, expected: String) -> ConsentModelError {
            let offset = offset ?? position
            let found: String
            if offset >= bytes.count {
                found = "the end of the text"
            } else if (0x21...0x7E).contains(bytes[offset]) {
                found = "'\(Character(Unicode.Scalar(bytes[offset])))'"
            } else {
                found = "byte 0x" + String(bytes[offset], radix: 16, uppercase: true)
            }
            return ConsentModelError(.malformedJSON, "not JSON: at byte \(offset), expected \(expected), found \(found)")
        }

        /// `data.purposes[1].code`, each member name capped as echoed text.
        static func describe(_ path: [PathStep]) -> String {
            path.reduce("") { text, step in
                switch step {
                case .member(let name): text.isEmpty ? EchoedText.capped(name) : "\(text).\(EchoedText.capped(name))"
                case .element(let index): "\(text)[\(index)]"
                }
            }
        }
    }
}
