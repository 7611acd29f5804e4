import Hummingbird
import Prometheus

/// The routes an operator's tooling uses: liveness, readiness and Prometheus metrics.
///
/// - `GET /healthz`: 200 while the process serves HTTP at all;
/// - `GET /readyz`: 200 when ingestion is running with its partitions open, 503 otherwise (starting,
///   replaying a partition, shutting down);
/// - `GET /metrics`: every metric in the Prometheus text format.
public enum OperationsRoutes {
    public static func add(
        to router: Router<some RequestContext>, isReady: @escaping @Sendable () -> Bool, metrics: PrometheusCollectorRegistry
    ) {
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ -> Response in
            let ready = isReady()
            return Response(
                status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: ready ? "ready\n" : "not ready: ingestion is not running\n")))
        }
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
    }
}
