import Foundation

/// The last `producerseq` an institution used in each partition of the events topic, kept in a small
/// JSON file so that a restarted publisher continues the numbering.
///
/// The ledger of a partition checks that a producer's numbers rise by one (a gap means events may be
/// missing, a repeat means a replay), and it sees only its own partition, so the count is per partition.
/// Numbers are written down before the events that carry them are sent (see ``reserve(_:)``): a crash
/// can then leave a gap, which the ledger reports, but never reuse a number, which would make the
/// ledger ignore a real event as a replay. One publisher at a time may use a file.
public struct ProducerSequences: Sendable {
    public let file: URL
    public let institution: String
    public let topic: String
    /// Partition → the last number drawn.
    public private(set) var last: [Int32: Int64]

    private struct Stored: Codable {
        let institution: String
        let topic: String
        let last: [String: Int64]
    }

    /// Reads `file`, or starts from nothing when it does not exist yet.
    public init(file: URL, institution: String, topic: String) throws {
        self.file = file
        self.institution = institution
        self.topic = topic
        guard let data = try? Data(contentsOf: file) else {
            last = [:]
            return
        }
        last = try Self.read(data, file: file, institution: institution, topic: topic)
    }

    /// The numbers a sequence file's bytes hold, after checking that they are `institution`'s on `topic`.
    public static func read(_ data: Data, file: URL, institution: String, topic: String) throws -> [Int32: Int64] {
        guard let stored = try? JSONDecoder().decode(Stored.self, from: data) else {
            throw PublishError(
                .sequenceFileMalformed,
                "\(file.path) is not a producer sequence file: restore it from a backup (numbering again from 1 would make the ledger take new events for replays)"
            )
        }
        guard stored.institution == institution, stored.topic == topic else {
            throw PublishError(
                .sequenceFileForeign,
                "\(file.path) numbers \(stored.institution)'s events on \(stored.topic), not \(institution)'s on \(topic): use another --sequence-file"
            )
        }
        var last: [Int32: Int64] = [:]
        for (partition, number) in stored.last {
            guard let partition = Int32(partition), partition >= 0, number >= 0 else {
                throw PublishError(
                    .sequenceFileMalformed, "\(file.path): \"\(partition)\": \(number) is not a partition and a sequence number")
            }
            last[partition] = number
        }
        return last
    }

    /// Draws the next number of each partition in order, one per entry, and writes them down before returning.
    public mutating func reserve(_ partitions: [Int32]) throws -> [Int64] {
        let numbers = partitions.map { partition in
            let next = (last[partition] ?? 0) + 1
            last[partition] = next
            return next
        }
        try save()
        return numbers
    }

    /// Gives back the numbers of a partition above `kept` that no event carries (it was drawn up to
    /// `drawn` and nothing was drawn since), so the next event continues without a gap.
    public mutating func giveBack(partition: Int32, drawn: Int64, kept: Int64) throws {
        guard last[partition] == drawn, kept < drawn else { return }
        last[partition] = kept
        try save()
    }

    /// Replaces the file atomically and durably, so a crash leaves the old numbers or the new, never half of them.
    private func save() throws {
        let stored = Stored(
            institution: institution, topic: topic, last: Dictionary(uniqueKeysWithValues: last.map { (String($0.key), $0.value) }))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let temporary = file.appendingPathExtension("tmp")
        do {
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.write(contentsOf: encoder.encode(stored))
            try handle.synchronize()
            try handle.close()
            guard rename(temporary.path, file.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            throw PublishError(
                .sequenceFileUnwritable, "cannot write the producer sequence file \(file.path): \(error.localizedDescription)")
        }
    }
}
