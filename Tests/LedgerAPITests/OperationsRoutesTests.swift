import Hummingbird
import HummingbirdTesting
import LedgerAPI
import Prometheus
import Synchronization
import Testing

@Suite("Operations routes", .timeLimit(.minutes(10)))
struct OperationsRoutesTests {
    @Test("healthz answers, readyz follows readiness, and metrics speaks the Prometheus text format")
    func routes() async throws {
        let ready = Atomic<Bool>(false)
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(
            descriptor: .init(namespace: "ledger", metricName: "events_in", unitName: "total", helpText: "Records consumed")
        )
        .increment(by: Int64(3))
        let router = Router()
        let quarantined = Atomic<Bool>(false)
        let readiness: @Sendable () -> Readiness = {
            Readiness(
                isRunning: ready.load(ordering: .relaxed),
                quarantined: quarantined.load(ordering: .relaxed) ? ["partition 3 (disk-full): free space"] : [])
        }
        OperationsRoutes.add(to: router, readiness: readiness)
        OperationsRoutes.addMetrics(to: router, metrics: registry)
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("not ready"))
            }
            ready.store(true, ordering: .relaxed)
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ready\n")
            }
            // The API still serves the other ledgers: ready, and the partition named.
            quarantined.store(true, ordering: .relaxed)
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ready, degraded: 1 quarantined\npartition 3 (disk-full): free space\n")
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                #expect(String(buffer: response.body).contains("ledger_events_in_total 3"))
            }
        }
    }
}
