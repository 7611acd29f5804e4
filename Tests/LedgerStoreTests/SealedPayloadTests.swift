import ConsentModel
import Crypto
import Foundation
import GRDB
import LedgerFormat
import LedgerStore
import LedgerStoreFixtures
import Testing

@Suite("Records sealed at rest under their subject's key", .timeLimit(.minutes(10)))
struct SealedPayloadTests {
    let base: PartitionLedgerTests

    init() throws {
        base = try PartitionLedgerTests()
    }

    /// Every byte of the ledger's files (the database, its write-ahead log).
    func fileBytes() throws -> Data {
        let path = base.directory.appendingPathComponent("p3.sqlite").path
        return try [path, path + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }.reduce(into: Data()) {
            $0 += try Data(contentsOf: URL(fileURLWithPath: $1))
        }
    }

    @Test("no record's bytes are in the ledger's files in the clear, and every one reads back as it came")
    func sealedAtRest() async throws {
        let ledger = try base.open()
        let entries = PartitionLedgerTests.entries(offsets: 0..<30)
        try await ledger.append(entries, nextOffset: 30)
        let stored = try await ledger.read { try $0.storedLeaves(0..<30) }
        #expect(stored.map(\.value) == entries.map(\.value))
        #expect(stored.allSatisfy { $0.headers.count == 1 && $0.headers[0].name == "h" && $0.headers[0].value == [1] })
        #expect(stored.allSatisfy { !$0.redacted && $0.erasedBy == nil })

        let files = try fileBytes()
        #expect(files.range(of: Data("\"subject\":\"CI-".utf8)) == nil, "a citizen's identifier is nowhere in the clear")
        #expect(files.range(of: Data("not json".utf8)) == nil, "nor is a rejected record's value")
    }

    @Test("each subject's records are under that subject's key, those of no subject under the ledger's")
    func keysByOwner() async throws {
        let ledger = try base.open()
        let entries = PartitionLedgerTests.entries(offsets: 0..<14)
        try await ledger.append(entries, nextOffset: 14)
        let subjects = Set(entries.compactMap(\.judgement.subject))
        #expect(subjects.count == 4)
        for subject in subjects { #expect(try base.keys.keyIDs(of: .subject(subject)).count == 1) }
        #expect(try base.keys.keyIDs(of: .ledger(ledger.origin)).count == 1, "the tombstone and the garbage")
        #expect(try base.keys.keyIDs(of: .ledger("another/ledger")).isEmpty)
    }

    @Test("a sealed record altered, or moved to another leaf, no longer opens: it reads as gone, never as other bytes")
    func alteredOrMoved() async throws {
        let ledger = try base.open()
        try await ledger.append(PartitionLedgerTests.entries(offsets: 0..<5), nextOffset: 5)
        let database = try DatabaseQueue(path: base.directory.appendingPathComponent("p3.sqlite").path)
        try await database.write { db in
            // Leaves 0 and 1 are of subjects CI-0 and CI-1: another key. Leaves 0 and 4 share subject CI-0's key.
            try db.execute(sql: "UPDATE payload SET value = (SELECT value FROM payload WHERE idx = 0) WHERE idx = 4")
            try db.execute(sql: "UPDATE payload SET value = substr(value, 1, 20) || x'00' || substr(value, 22) WHERE idx = 2")
        }
        let stored = try await ledger.read { try $0.storedLeaves(0..<5) }
        #expect(stored[0].value != nil && !stored[0].redacted)
        #expect(stored[4].value == nil && stored[4].redacted, "moved from leaf 0, under the same key")
        #expect(stored[2].value == nil && stored[2].redacted, "one byte changed")
        #expect(!stored[3].redacted)
    }

    @Test("the key store is owner-only; another master key, or none, cannot open what it seals, and says what to do")
    func masterKey() async throws {
        let ledger = try base.open()
        try await ledger.append(PartitionLedgerTests.entries(offsets: 0..<3), nextOffset: 3)
        let store = base.directory.appendingPathComponent("payload-keys.db").path
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: store)[.posixPermissions] as? NSNumber)
        #expect(mode.intValue & 0o077 == 0)

        let wrongMaster = try PayloadKeys(path: store, masterKey: SymmetricKey(size: .bits256), readingOnly: true)
        let file = try LedgerFile(readingAt: base.directory.appendingPathComponent("p3.sqlite").path, keys: wrongMaster)
        let error = #expect(throws: LedgerStoreError.self) { try file.read { try $0.storedLeaves(0..<3) } }
        #expect(error?.code == .wrongMasterKey && error?.reason.contains("--master-key") == true)

        let withoutKeys = try LedgerFile(readingAt: base.directory.appendingPathComponent("p3.sqlite").path)
        let sealed = #expect(throws: LedgerStoreError.self) { try withoutKeys.read { try $0.storedLeaves(0..<3) } }
        #expect(sealed?.code == .sealed && sealed?.reason.contains("key store") == true)
        #expect(try withoutKeys.read { try $0.leaf(at: 2) }.count > 0, "leaves need no key")
    }

    @Test("a ledger written before sealing has its records sealed when opened, to the same bytes, and once only")
    func sealsOlderLedgers() async throws {
        let ledger = try base.open()
        let entries = PartitionLedgerTests.entries(offsets: 0..<20)
        try await ledger.append(entries, nextOffset: 20)
        // As an earlier version stored them: in the clear, with no key.
        try await DatabaseQueue(path: base.directory.appendingPathComponent("p3.sqlite").path).write { db in
            for (index, entry) in entries.enumerated() {
                try db.execute(
                    sql: "UPDATE payload SET value = ?, headers = ?, key_id = NULL WHERE idx = ?",
                    arguments: [entry.value.map { Data($0) }, Data(StoredHeaders.encode(entry.headers)), index])
            }
        }
        #expect(try fileBytes().range(of: Data("\"subject\":\"CI-".utf8)) != nil)
        let reopened = try base.open()
        #expect(try reopened.sealPayloadsStoredInTheClear() == 20)
        #expect(try reopened.sealPayloadsStoredInTheClear() == 0)
        try await reopened.mergeWriteAheadLog()
        #expect(try fileBytes().range(of: Data("\"subject\":\"CI-".utf8)) == nil, "overwritten, not only unlinked")
        #expect(try await reopened.read { try $0.storedLeaves(0..<20) }.map(\.value) == entries.map(\.value))
    }
}
