import ConsentModel
import Foundation
import LedgerFormat
import LedgerStore
import MerkleLog
import Synchronization

extension LedgerAudit {
    /// What a leaf needs checked that depends on nothing before it: the leaf decoded, its hash, its record's hash,
    /// and (given the rules) the record read and its signature checked, the half of judging that the rules then
    /// apply in order.
    struct Examined: Sendable {
        /// `nil` if the bytes do not decode (decoded again in order, to report why).
        let leaf: LedgerLeaf?
        let leafHash: SHA256Hash
        /// `nil` for a tombstone or a record that is gone.
        let valueHash: SHA256Hash?
        let prepared: PreparedRecord?

        init(_ stored: StoredLeaf, preparingWith keys: SigningKeys?) {
            leaf = try? LedgerLeaf(decoding: stored.leaf)
            leafHash = RFC6962.leafHash(stored.leaf)
            valueHash = stored.redacted ? nil : stored.value.map { SHA256Hash.of($0) }
            let record = IncomingRecord(value: stored.value, headers: stored.headers, kafkaTimestamp: leaf?.timestamp)
            prepared = keys.map { PreparedRecord(record, keys: $0) }
        }
    }

    /// A batch of stored leaves, examined in chunks by whichever threads help: each chunk is claimed by one
    /// thread, so a thread that is free sooner takes more of them.
    final class ExaminedBatch: @unchecked Sendable {
        let leaves: [StoredLeaf]
        private let keys: SigningKeys?
        private let chunkSize: Int
        private let claimed = Atomic<Int>(0)
        /// Entered once per chunk up front, left as each is done: waiting on it cannot miss a chunk in progress.
        private let done = DispatchGroup()
        /// Chunk n's results: written only by the thread that claimed n, read only once every chunk is done.
        private let parts: UnsafeMutableBufferPointer<[Examined]>

        init(_ leaves: [StoredLeaf], preparingWith keys: SigningKeys?) {
            self.leaves = leaves
            self.keys = keys
            // Several chunks per core, so that the threads finish together.
            let chunks = ProcessInfo.processInfo.activeProcessorCount * 4
            chunkSize = max(1, (leaves.count + chunks - 1) / chunks)
            parts = .allocate(capacity: (leaves.count + chunkSize - 1) / chunkSize)
            parts.initialize(repeating: [])
            for _ in parts.indices { done.enter() }
        }

        deinit {
            parts.deinitialize()
            parts.deallocate()
        }

        /// Examines chunks no thread has claimed, until none is left.
        func help() {
            while case let n = claimed.wrappingAdd(1, ordering: .relaxed).oldValue, n < parts.count {
                parts[n] = leaves[n * chunkSize..<min((n + 1) * chunkSize, leaves.count)].map { Examined($0, preparingWith: keys) }
                done.leave()
            }
        }

        /// Helps on every core until the whole batch is examined.
        func examineOnAllCores() {
            DispatchQueue.concurrentPerform(iterations: ProcessInfo.processInfo.activeProcessorCount) { _ in help() }
        }

        /// Calls `body` with each leaf and what examining it gave, in order, once the batch is examined: helps with
        /// the chunks left, then waits for those other threads are examining.
        func forEachExamined(_ body: (StoredLeaf, Examined) throws -> Void) rethrows {
            help()
            done.wait()
            for n in parts.indices {
                let first = n * chunkSize
                for index in parts[n].indices { try body(leaves[first + index], parts[n][index]) }
            }
        }
    }
}
