import Foundation

/// Where work that blocks runs: a synchronous SQLite read (``PartitionLedger/readSynchronously(_:)``), a semaphore wait,
/// `concurrentPerform`.
public enum OwnThread {
    /// Runs `body` on a thread of its own, never on one of the few threads of Swift's cooperative pool that every task
    /// shares.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result(catching: body)) }.start()
        }
    }
}
