import Hummingbird
import HummingbirdTesting
import LedgerAPI
import Prometheus
import Synchronization
import Testing

@Suite("Operations routes")
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
        let readiness: @Sendable () -> Bool = { ready.load(ordering: .relaxed) }
        OperationsRoutes.add(to: router, isReady: readiness, metrics: registry)
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
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                #expect(String(buffer: response.body).contains("ledger_events_in_total 3"))
            }
        }
    }
}
