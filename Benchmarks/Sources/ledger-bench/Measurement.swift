import ConsentModel
import Crypto
import Foundation

/// One reported figure: what was measured, its value, and the machine limit it is compared with.
struct Figure: Codable {
    let name: String
    let value: Double
    let unit: String
    let limit: Double?
    let limitName: String?
    /// How to reproduce this figure alone.
    let command: String

    var ratio: Double? { limit.map { value / $0 } }
}

/// Runs `body` (which performs `operations` operations) until at least `minimum` has passed, and
/// returns the best rate seen, in operations per second.
func rate(operations: Int, minimum: Duration = .milliseconds(300), _ body: () throws -> Void) rethrows -> Double {
    var best = 0.0
    let clock = ContinuousClock()
    let start = clock.now
    repeat {
        let elapsed = try clock.measure(body)
        best = max(best, Double(operations) / elapsed.seconds)
    } while clock.now - start < minimum
    return best
}

/// The duration of each call, for percentiles.
func latencies(count: Int, _ body: (Int) throws -> Void) rethrows -> [Duration] {
    let clock = ContinuousClock()
    return try (0..<count).map { i in try clock.measure { try body(i) } }
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
    var microseconds: Double { seconds * 1e6 }
}

extension Array where Element == Duration {
    func percentile(_ p: Double) -> Duration {
        let sorted = self.sorted()
        return sorted[Swift.min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}

/// Progress and results go to standard error as they come, so a long run shows it is alive.
func say(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// The one institution of every benchmark: `op`, publishing with key `op/1`.
func benchRegistry(trusting key: Curve25519.Signing.PrivateKey) throws -> InstitutionRegistry {
    try InstitutionRegistry(institutions: [
        .init(
            id: "op", name: "Operator", roles: ["operator"],
            keys: [
                .init(
                    id: "op/1", publicKey: Data(key.publicKey.rawRepresentation).base64EncodedString(),
                    validFrom: Timestamp(rfc3339: "2026-01-01T00:00:00Z")!, validUntil: nil)
            ])
    ])
}
