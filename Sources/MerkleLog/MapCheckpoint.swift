/// A signed statement of a subject map's root and the log checkpoint it was built from: the map
/// holds, for every subject reference in the first `log.size` leaves, that subject's leaf count
/// and chain head. Its note text:
///
/// ```
/// consent-ledger/subject-map/v1
/// <log origin>
/// <log size>
/// <base64 log root>
/// <number of keys>
/// <base64 map root>
/// ```
public struct MapCheckpoint: Hashable, Sendable {
    public static let header = "consent-ledger/subject-map/v1"

    public let log: Checkpoint
    public let keyCount: UInt64
    public let mapRoot: SHA256Hash

    public init(log: Checkpoint, keyCount: UInt64, mapRoot: SHA256Hash) {
        self.log = log
        self.keyCount = keyCount
        self.mapRoot = mapRoot
    }

    public var text: String {
        [Self.header, log.origin, String(log.size), log.root.base64, String(keyCount), mapRoot.base64].map { $0 + "\n" }.joined()
    }

    public init(text: String) throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count == 7, lines[6].isEmpty, lines[0] == Self.header else {
            throw MerkleLogError(.malformed, "a map checkpoint is \(Self.header) and five lines, each ending in a newline")
        }
        let log = try Checkpoint(text: lines[1...3].map { $0 + "\n" }.joined())
        guard let mapRoot = SHA256Hash(base64: lines[5]) else {
            throw MerkleLogError(.malformed, "line 6 \"\(lines[5])\" is not the base64 of a 32-byte map root")
        }
        self.init(log: log, keyCount: try Checkpoint.parseSize(lines[4], line: 5), mapRoot: mapRoot)
    }
}

extension TrustPolicy {
    /// Verifies a map checkpoint signed by the log key, for this policy's log.
    public func verifyMap(_ note: SignedNote) throws -> MapCheckpoint {
        let verified = try note.verify(trusting: [log])
        guard verified.contains(where: { $0.verifier == log }) else {
            throw MerkleLogError(.untrusted, "the map checkpoint is not signed by the log key \(log.name)")
        }
        let map = try MapCheckpoint(text: note.text)
        guard map.log.origin == log.name else {
            throw MerkleLogError(.untrusted, "the map checkpoint is for log \"\(map.log.origin)\", not \"\(log.name)\"")
        }
        return map
    }
}
