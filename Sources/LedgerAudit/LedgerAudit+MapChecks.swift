import Foundation
import MerkleLog
import Synchronization

extension LedgerAudit {
    /// Recomputes the subject map at each map checkpoint on a thread of its own, while the leaves after it are
    /// checked: when many subjects appear between checkpoints, updating the map is a third of a verifier's work.
    final class MapChecks: @unchecked Sendable {
        private let origin: String
        /// Touched only on `queue`.
        private var map = SubjectMap()
        private let queue = DispatchQueue(label: "ledger-audit.subject-map")
        /// Bounds the subject changes waiting to be applied.
        private let waiting = DispatchSemaphore(value: 64)
        private let failure = Mutex<Failure?>(nil)

        init(origin: String) {
            self.origin = origin
        }

        /// Applies the subjects' changes since the last map checkpoint, then compares the map with `checkpoint`.
        func check(_ changes: [SHA256Hash: SubjectMapValue], against checkpoint: MapCheckpoint) {
            waiting.wait()
            queue.async { [self] in
                defer { waiting.signal() }
                guard failure.withLock({ $0 == nil }) else { return }
                map.update(changes)
                guard map.rootHash == checkpoint.mapRoot, UInt64(map.count) == checkpoint.keyCount else {
                    let size = checkpoint.log.size
                    failure.withLock {
                        $0 = Failure(
                            origin: origin, index: nil,
                            reason: "the subject map of the first \(size) leaves is not the one the map checkpoint at \(size) signs")
                    }
                    return
                }
            }
        }

        /// Waits for the checks given so far, and throws the first that failed: it is about a checkpoint no later
        /// than any leaf checked since, so it is reported first.
        func finish() throws {
            queue.sync {}
            if let failure = failure.withLock({ $0 }) { throw failure }
        }
    }
}
