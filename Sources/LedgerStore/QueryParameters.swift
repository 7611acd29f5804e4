import ConsentModel

/// A query parameter that is not one the API takes, in words that say what to send instead.
public struct QueryParameterError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Where a page that spans several ledgers stopped: after this entry of this partition's ledger. Its text,
/// `<partition>.<index>`, is a page's `nextCursor`.
public struct PageCursor: Equatable, Sendable {
    public var partition: Int32
    public var index: UInt64

    public init(partition: Int32, index: UInt64) {
        self.partition = partition
        self.index = index
    }

    /// Reads the `nextCursor` of an earlier page.
    public init(_ text: String) throws {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        // Every index the API gives out is a SQLite integer: one beyond Int64.max was not.
        guard parts.count == 2, let partition = Int32(parts[0]), partition >= 0, let index = UInt64(parts[1]), Int64(exactly: index) != nil
        else {
            throw QueryParameterError(
                "cursor \"\(EchoedText.capped(text))\" is not one this API gave out; pass a page's nextCursor unchanged")
        }
        self.init(partition: partition, index: index)
    }

    public var text: String { "\(partition).\(index)" }

    /// A page of checkpoints' `nextCursor`: the size of the last checkpoint of the page before.
    public static func checkpointSize(_ text: String) throws -> UInt64 {
        // Sizes the API gives out are SQLite integers: one beyond Int64.max was not.
        guard let size = UInt64(text), Int64(exactly: size) != nil else {
            throw QueryParameterError(
                "cursor \"\(EchoedText.capped(text))\" is not one this API gave out; pass a page's nextCursor unchanged")
        }
        return size
    }
}

extension EntryFilter {
    /// Sets the filter's time bounds from the `from` / `until` parameters: any RFC 3339 date-time, fractions and
    /// offsets included, `from` before `until`.
    public mutating func occurring(from: String?, until: String?) throws {
        func instant(_ text: String, _ name: String) throws -> Timestamp {
            guard let instant = Timestamp(rfc3339: text) else {
                throw QueryParameterError(
                    "\(name) \"\(EchoedText.capped(text))\" is not an RFC 3339 date-time between the years 1677 and 2262, such as 2026-04-01T00:00:00Z or 2026-04-01T09:00:00.515+09:00"
                )
            }
            return instant
        }
        let start = try from.map { try instant($0, "from") }
        let end = try until.map { try instant($0, "until") }
        if let start, let end, start >= end {
            throw QueryParameterError("from (\(start)) must be before until (\(end))")
        }
        occurredFrom = start?.nanoseconds
        occurredBefore = end?.nanoseconds
    }
}
