/// A wait in a test that ran out of time, and what it waited for: a test fails with this rather than hanging.
public struct TestTimeout: Error, CustomStringConvertible {
    public let description: String

    public init(_ what: String) {
        description = what
    }
}

/// Polls `condition` until it holds, and fails with ``TestTimeout`` after `timeout`.
public func waitUntil(
    _ what: String, timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TestTimeout("not within \(timeout): \(what)") }
        try await Task.sleep(for: interval)
    }
}

/// Runs `body` and returns what it returns, or fails with ``TestTimeout`` after `timeout` (cancelling it): for awaiting
/// what may never come, such as the next element of a consumer's records.
public func withTimeout<T: Sendable>(_ timeout: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws
    -> T
{
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let value = try await group.next()! else { throw TestTimeout("not within \(timeout): \(what)") }
        return value
    }
}
