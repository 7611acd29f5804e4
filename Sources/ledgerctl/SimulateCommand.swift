import ArgumentParser
import ConsentModel
import Foundation
import InstitutionPublisher
import KafkaClient
import Logging
import MyDataSimulation

/// Realistic MyData traffic, published signed to the events topic as the institutions themselves would.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Publish realistic MyData traffic: consents, accesses, revocations, and a share of deliberate violations.",
        discussion: """
            Citizens grant MyData operators consent to receive data from banks, hospitals and telecoms for a purpose; \
            the operators access that data, some consents are revoked, and --violation-rate of the accesses break \
            the rules on purpose (no consent, after revocation, beyond the consented purpose). Every event is signed \
            by its institution and numbered as `ledgerctl publish` does.
            The institutions' keys and the registry ledgerd must judge with are written to --out on first use \
            (ledgerd reads its registry when it starts), and reused afterwards:
              ledgerctl simulate --setup-only --out sim
              ledgerd --registry sim/registry.json > ledgerd.out &
              ledgerctl simulate --brokers 127.0.0.1:40123 --out sim --rate 200 --duration 30
            Progress every five seconds on standard error; a summary of what was sent on standard output. Exit \
            code 0 when every event was delivered.
            """
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "Directory for the simulation's registry and institution keys.")
    var out: String = "simulation"

    @Option(help: "Events per second.")
    var rate: Int = 100

    @Option(help: "Seconds to run.")
    var duration: Int = 10

    @Option(help: "Distinct citizens.")
    var subjects: Int = 1_000

    @Option(help: "Institutions: a quarter MyData operators, the rest banks, hospitals and telecoms.")
    var institutions: Int = 8

    @Option(help: "Share of accesses that are deliberate violations, from 0 to 1.")
    var violationRate: Double = 0.05

    @Option(help: "Seed of the traffic: the same seed gives the same sequence of events.")
    var seed: UInt64 = 1

    @Flag(help: "Write the registry and keys, then stop.")
    var setupOnly = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if !setupOnly { try kafka.requireBrokers() }
        guard (1...1_000_000).contains(rate) else { throw ValidationError("--rate is events per second, from 1 to 1,000,000") }
        guard (1...31_536_000).contains(duration) else { throw ValidationError("--duration is seconds, from 1 to 31,536,000 (a year)") }
        guard (1...100_000_000).contains(subjects) else {
            throw ValidationError("--subjects is a number of citizens, from 1 to 100,000,000")
        }
        guard (2...10_000).contains(institutions) else {
            throw ValidationError("--institutions is from 2 (an operator and a data holder) to 10,000")
        }
        guard (0...1).contains(violationRate) else { throw ValidationError("--violation-rate is a share, from 0 to 1") }
    }

    func run() async throws {
        let logger = logging.makeLogger(label: "ledgerctl.simulate")
        var traffic = MyDataTraffic(institutions: institutions, subjects: subjects, violationRate: violationRate, seed: seed)
        let (setup, created) = try SimulationSetup.prepare(
            in: URL(fileURLWithPath: out, isDirectory: true), institutions: traffic.institutions, validFrom: keysValidFrom)
        if created || setupOnly {
            note(
                "registry of \(traffic.institutions.count) institutions in \(setup.registryFile.path): start ledgerd with --registry \(setup.registryFile.path)"
            )
        }
        guard !setupOnly else { return }

        let producer = try KafkaProducer(configuration: try kafka.producerConfiguration(), logger: logger)
        var publishers: [String: EventPublisher] = [:]
        var counts: [SimulatedEvent.Intent: Int] = [:]
        var failed = 0
        do {
            for institution in traffic.institutions where institution.role == "operator" {
                publishers[institution.id] = try await EventPublisher(
                    producer: producer, key: setup.keys[institution.id]!, sequenceFile: setup.sequenceFile(of: institution.id))
            }
            let start = ContinuousClock.now
            var lastReport = start
            let ticks = duration * 10
            for tick in 0..<ticks {
                // Ten batches a second, spread evenly; a slow broker stretches the run rather than bursting.
                let due = rate * (tick + 1) / 10 - rate * tick / 10
                var batches: [String: [(EventDraft, SimulatedEvent.Intent)]] = [:]
                for _ in 0..<due {
                    let event = traffic.next(now: .now)
                    let draft = try EventDraft(json: event.json, institution: event.source, now: .now)
                    batches[event.source, default: []].append((draft, event.intent))
                }
                let outcomes = try await withThrowingTaskGroup(of: [(SimulatedEvent.Intent, Bool)].self) { group in
                    for (source, batch) in batches {
                        group.addTask { [publisher = publishers[source]!] in
                            let results = try await publisher.publish(batch.map(\.0))
                            return zip(batch, results).map { ($0.1, (try? $1.get()) != nil) }
                        }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
                for (intent, delivered) in outcomes {
                    if delivered { counts[intent, default: 0] += 1 } else { failed += 1 }
                }
                if ContinuousClock.now - lastReport >= .seconds(5) {
                    lastReport = .now
                    note("\(tick / 10 + 1) s: \(summary(counts, failed: failed))")
                }
                try await Task.sleep(until: start + .milliseconds(100 * (tick + 1)), clock: .continuous)
            }
        } catch let error as KafkaError {
            await producer.shutdown(timeout: .seconds(5))
            note(
                "error: \(error.reason); is a broker listening at \(kafka.servers.joined(separator: ","))? \(summary(counts, failed: failed))"
            )
            throw ExitCode.failure
        }
        await producer.shutdown()
        emit(summary(counts, failed: failed))
        if failed > 0 { throw ExitCode.failure }
    }

    /// Keys are valid from the start of 2026, so that events of any simulated time in the ledger's era verify.
    private var keysValidFrom: Timestamp { Timestamp(rfc3339: "2026-01-01T00:00:00Z")! }

    private func summary(_ counts: [SimulatedEvent.Intent: Int], failed: Int) -> String {
        let violations =
            counts[.accessWithoutConsent, default: 0] + counts[.accessAfterRevocation, default: 0] + counts[.accessBeyondScope, default: 0]
        let accesses = counts[.coveredAccess, default: 0] + violations
        return """
            sent \(counts.values.reduce(0, +)): \(counts[.grant, default: 0]) consents, \(accesses) accesses (\(violations) deliberate \
            violations: \(counts[.accessWithoutConsent, default: 0]) without consent, \(counts[.accessAfterRevocation, default: 0]) after \
            revocation, \(counts[.accessBeyondScope, default: 0]) beyond scope), \(counts[.revocation, default: 0]) revocations; failed \(failed)
            """
    }

    private func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
