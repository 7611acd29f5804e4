import Foundation

/// Finds a key repeated within one JSON object. Foundation's parsers keep the last of two equal
/// keys without a word, so a producer could show one value to one reader and another to the next;
/// the ledger refuses such documents instead.
///
/// Runs on JSON that Foundation has already accepted as well formed.
public enum DuplicateKeyScanner {
    /// The path of the first repeated key, such as `data.purposes` (`nil` if none repeats).
    public static func firstDuplicate(in json: [UInt8]) -> String? {
        var stack: [Level] = []
        var expectingKey = false
        var i = 0
        while i < json.count {
            switch json[i] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = json[i] == UInt8(ascii: "{")
                stack.append(Level(isObject: isObject))
                expectingKey = isObject
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                stack.removeLast()
                expectingKey = false
            case UInt8(ascii: ","):
                if stack.last?.isObject == true {
                    expectingKey = true
                } else if !stack.isEmpty {
                    stack[stack.count - 1].index += 1
                }
            case UInt8(ascii: "\""):
                let start = i + 1
                var hasEscape = false
                i += 1
                while json[i] != UInt8(ascii: "\"") {
                    if json[i] == UInt8(ascii: "\\") {
                        hasEscape = true
                        i += 1
                    }
                    i += 1
                }
                if expectingKey {
                    let raw = json[start..<i]
                    let key = hasEscape ? unescape(Array(raw)) : String(decoding: raw, as: UTF8.self)
                    guard stack[stack.count - 1].keys.insert(key).inserted else {
                        return path(of: stack, key: key)
                    }
                    stack[stack.count - 1].key = key
                    expectingKey = false
                }
            default:
                break
            }
            i += 1
        }
        return nil
    }

    /// An object or array being scanned.
    private struct Level {
        var isObject: Bool
        var keys: Set<String> = []
        /// The member or element being read: the position of the level above it, kept to name a
        /// duplicate's path only when there is one.
        var key = ""
        var index = 0
    }

    /// `data.purposes[1].code` for `key` in the innermost of `stack`'s levels.
    private static func path(of stack: [Level], key: String) -> String {
        let parents = stack.dropLast().reduce("") { path, level in level.isObject ? join(path, level.key) : "\(path)[\(level.index)]" }
        return join(parents, key)
    }

    private static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// Resolves escapes (`\u0061` is the key `a`) by letting Foundation read the string alone.
    private static func unescape(_ raw: [UInt8]) -> String {
        let quoted = Data([UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")])
        return (try? JSONDecoder().decode(String.self, from: quoted)) ?? String(decoding: raw, as: UTF8.self)
    }
}
