import ConsentModel
import Foundation
import LedgerStore

/// Where a page that spans several ledgers stopped: after this entry of this partition's ledger.
struct PageCursor: Equatable {
    var partition: Int32
    var index: UInt64

    static let maximumLimit = 100
    static let defaultLimit = 50

    /// Reads the `nextCursor` of an earlier page.
    init(_ text: String) throws {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        // Every index this API gives out is a SQLite integer: one beyond Int64.max was not.
        guard parts.count == 2, let partition = Int32(parts[0]), partition >= 0, let index = UInt64(parts[1]), Int64(exactly: index) != nil
        else {
            throw Problem.badRequest("cursor \"\(text)\" is not one this API gave out; pass a page's nextCursor unchanged")
        }
        self.partition = partition
        self.index = index
    }

    init(partition: Int32, index: UInt64) {
        self.partition = partition
        self.index = index
    }

    var text: String { "\(partition).\(index)" }

    static func limit(_ requested: Int?) throws -> Int {
        let limit = requested ?? defaultLimit
        guard (1...maximumLimit).contains(limit) else {
            throw Problem.badRequest("limit \(limit) is outside 1…\(maximumLimit); page through with nextCursor instead")
        }
        return limit
    }
}

/// One page of entries matching a filter across ledgers, in (partition, index) order.
struct EntryPage {
    var items: [(ledger: PartitionLedger, entry: IndexedEntry)] = []
    var nextCursor: String?

    init(ledgers: [PartitionLedger], filter: EntryFilter, cursor: String?, limit requested: Int?) async throws {
        let start = try cursor.map(PageCursor.init)
        let limit = try PageCursor.limit(requested)
        for ledger in ledgers where ledger.partition >= start?.partition ?? 0 {
            let after = ledger.partition == start?.partition ? start?.index : nil
            let wanted = limit - items.count
            let found = try await ledger.read { try $0.entries(matching: filter, after: after, limit: wanted) }
            items += found.map { (ledger, $0) }
            if items.count == limit {
                nextCursor = PageCursor(partition: ledger.partition, index: found.last!.index).text
                break
            }
        }
    }
}

/// Turns the optional `from` / `until` parameters (any RFC 3339 date-time) into a filter's nanosecond bounds.
func timeRange(from: String?, until: String?, into filter: inout EntryFilter) throws {
    func instant(_ text: String, _ name: String) throws -> Timestamp {
        guard let instant = Timestamp(rfc3339: text) else {
            throw Problem.badRequest(
                "\(name) \"\(text)\" is not an RFC 3339 date-time between the years 1677 and 2262, such as 2026-04-01T00:00:00Z or 2026-04-01T09:00:00.515+09:00"
            )
        }
        return instant
    }
    let start = try from.map { try instant($0, "from") }
    let end = try until.map { try instant($0, "until") }
    if let start, let end, start >= end {
        throw Problem.badRequest("from (\(start)) must be before until (\(end))")
    }
    filter.occurredFrom = start?.nanoseconds
    filter.occurredBefore = end?.nanoseconds
}

/// An instant as the API shows it: RFC 3339 in UTC, with its fraction when it has one.
func instant(nanoseconds: Int64) -> String {
    Timestamp(nanoseconds: nanoseconds).description
}
