import Foundation

/// Finds a key repeated within one JSON object. Foundation's parsers keep the last of two equal
/// keys without a word, so a producer could show one value to one reader and another to the next;
/// the ledger refuses such documents instead.
///
/// Runs on JSON that Foundation has already accepted as well formed.
public enum DuplicateKeyScanner {
    /// The path of the first repeated key, such as `data.purposes` (`nil` if none repeats).
    public static func firstDuplicate(in json: [UInt8]) -> String? {
        struct Level {
            var isObject: Bool
            var keys: Set<String> = []
            var path: String
            var index = 0
        }
        var stack: [Level] = []
        var expectingKey = false
        var lastKey = ""
        var i = 0
        while i < json.count {
            switch json[i] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = json[i] == UInt8(ascii: "{")
                let path =
                    stack.last.map { parent in
                        parent.isObject ? join(parent.path, lastKey) : "\(parent.path)[\(parent.index)]"
                    } ?? ""
                stack.append(Level(isObject: isObject, path: path))
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
                    let raw = Array(json[start..<i])
                    let key = hasEscape ? unescape(raw) : String(decoding: raw, as: UTF8.self)
                    guard stack[stack.count - 1].keys.insert(key).inserted else {
                        return join(stack[stack.count - 1].path, key)
                    }
                    lastKey = key
                    expectingKey = false
                }
            default:
                break
            }
            i += 1
        }
        return nil
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
