import ConsentModel
import Foundation
import LedgerStore

/// How many items a page holds.
enum PageLimit {
    static let maximumLimit = 100
    static let defaultLimit = 50

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
        let start = try cursor.map { try Problem.whenMalformed(PageCursor($0)) }
        let limit = try PageLimit.limit(requested)
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

/// An instant as the API shows it: RFC 3339 in UTC, with its fraction when it has one.
func instant(nanoseconds: Int64) -> String {
    Timestamp(nanoseconds: nanoseconds).description
}
