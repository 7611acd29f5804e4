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

/// Turns the optional `from` / `until` parameters into a filter's nanosecond bounds.
func timeRange(from: Date?, until: Date?, into filter: inout EntryFilter) throws {
    if let from, let until, from >= until {
        throw Problem.badRequest("from (\(from)) must be before until (\(until))")
    }
    filter.occurredFrom = from.map(nanoseconds)
    filter.occurredBefore = until.map(nanoseconds)
}

/// Clamped to what 64-bit nanoseconds hold (the years 1678 to 2262).
func nanoseconds(_ date: Date) -> Int64 {
    let value = (date.timeIntervalSince1970 * 1_000_000_000).rounded()
    return Int64(max(min(value, 9.2e18), -9.2e18))
}

func date(nanoseconds: Int64) -> Date {
    Date(timeIntervalSince1970: Double(nanoseconds) / 1_000_000_000)
}
