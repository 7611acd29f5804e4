/// What a record on ``LedgerTopic/checkpoints`` holds, as its key says.
public enum CheckpointsTopicKey: Hashable, Sendable {
    /// `<origin>`: the ledger's signed checkpoint.
    case log(origin: String)
    /// `<origin>/subject-map`: the signed subject-map checkpoint of the same size.
    case subjectMap(origin: String)
    /// `<origin>/cosigned-by/<witness>`: a witness's cosigned copy of the ledger's checkpoint.
    case cosignature(origin: String, witness: String)

    private static let subjectMapSuffix = "/subject-map"
    private static let cosignatureMarker = "/cosigned-by/"

    /// Reads a key. The cosignature marker is looked for first: a witness's name may end in `/subject-map`.
    public init(_ key: String) {
        if let marker = key.range(of: Self.cosignatureMarker) {
            self = .cosignature(origin: String(key[..<marker.lowerBound]), witness: String(key[marker.upperBound...]))
        } else if key.hasSuffix(Self.subjectMapSuffix) {
            self = .subjectMap(origin: String(key.dropLast(Self.subjectMapSuffix.count)))
        } else {
            self = .log(origin: key)
        }
    }

    public var key: String {
        switch self {
        case .log(let origin): origin
        case .subjectMap(let origin): origin + Self.subjectMapSuffix
        case .cosignature(let origin, let witness): origin + Self.cosignatureMarker + witness
        }
    }
}
