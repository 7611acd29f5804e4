import Hummingbird
import Prometheus

/// What `/readyz` reports: whether ingestion runs, and the partitions it holds but cannot ingest now.
public struct Readiness: Sendable {
    public var isRunning: Bool
    /// One line per quarantined partition: which, why, and what to do.
    public var quarantined: [String]
    /// What an operator should know of how this ledgerd runs (development tokens trusted, …), a line each.
    public var notices: [String]

    public init(isRunning: Bool, quarantined: [String] = [], notices: [String] = []) {
        self.isRunning = isRunning
        self.quarantined = quarantined
        self.notices = notices
    }
}

/// The routes an operator's tooling uses: liveness, readiness and Prometheus metrics.
///
/// - `GET /healthz`: 200 while the process serves HTTP at all;
/// - `GET /readyz`: 200 when ingestion is running with its partitions open, 503 otherwise (starting,
///   replaying a partition, shutting down). A quarantined partition does not make it 503, since the API
///   still serves every other ledger: the body then starts `ready, degraded` and names each one;
/// - `GET /metrics`: every metric in the Prometheus text format, on the router ``addMetrics(to:metrics:)`` is given
///   (the API's, or one of its own for operators only).
public enum OperationsRoutes {
    public static func add(to router: Router<some RequestContext>, readiness: @escaping @Sendable () -> Readiness) {
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ -> Response in
            let readiness = readiness()
            let state =
                if !readiness.isRunning {
                    "not ready: ingestion is not running\n"
                } else if readiness.quarantined.isEmpty {
                    "ready\n"
                } else {
                    "ready, degraded: \(readiness.quarantined.count) quarantined\n" + readiness.quarantined.map { $0 + "\n" }.joined()
                }
            let text = state + readiness.notices.map { "note: \($0)\n" }.joined()
            return Response(
                status: readiness.isRunning ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }

    public static func addMetrics(to router: Router<some RequestContext>, metrics: PrometheusCollectorRegistry) {
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
    }
}
