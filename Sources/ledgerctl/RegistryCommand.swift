import ArgumentParser
import ConsentModel
import Foundation
import InstitutionPublisher
import KafkaClient

struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "The registry authority's commands: put institutions, keys and roles into every partition's log (rules/v2).",
        subcommands: [PublishRegistry.self]
    )
}

/// The registry authority's changes, from a registry file or a JSON Lines file of changes, into every partition.
struct PublishRegistry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Sign registry events with the registry authority's key and publish each into every partition.",
        discussion: """
            A registry file (the JSON ledgerd's --registry reads) is the bootstrap: it becomes a registry.rules-changed \
            event (which moves each partition to rules/v2, with the topic's partition count), then for each \
            institution a registry.institution-registered event and a registry.key-added event per key (a key whose \
            validUntil has passed is retired at once):
              ledgerctl keys generate --registry-authority --out keys        # prints ID+KEYID+KEY for ledgerd
              ledgerctl registry publish --brokers 127.0.0.1:9092 --key keys/registry-authority.key registry.json
            Later changes are JSON Lines, one change per line, as a registry event's "type" and "data" \
            (docs/events.md), such as a rotation:
              {"type": "registry.key-added", "data": {"institution": "bank-a", "keyId": "bank-a/2027", "publicKey": "…"}}
              {"type": "registry.key-retired", "data": {"keyId": "bank-a/2026"}}
            Every line is checked before anything is sent. The authority's producer sequence numbers are kept per \
            partition in --sequence-file. Standard output has one line per change and a summary; exit code 0 when the \
            broker took every event.
            """
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "The registry authority's key file (from `ledgerctl keys generate --registry-authority`).")
    var key: String

    @Option(help: "Where the producer sequence numbers are kept. Default: beside the key, as NAME.sequence.json.")
    var sequenceFile: String?

    @Option(help: "The events topic.")
    var topic: String = EventPublisher.defaultTopic

    @OptionGroup var logging: LoggingOptions

    @Argument(help: "A registry file (JSON) to bootstrap from, or a JSON Lines file of changes.")
    var file: String

    func validate() throws {
        try kafka.requireBrokers()
    }

    func run() async throws {
        let logger = logging.makeLogger(label: "ledgerctl.registry")
        let authority: InstitutionKey
        let input: Data
        do {
            authority = try InstitutionKey.load(from: URL(fileURLWithPath: key))
            input = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch let error as PublishError {
            throw failure("\(error)")
        } catch {
            throw failure("cannot read \(file): \(error.localizedDescription)")
        }
        let producer = try KafkaProducer(configuration: try kafka.producerConfiguration(), logger: logger)
        do {
            let sequences = URL(fileURLWithPath: key).deletingPathExtension().appendingPathExtension("sequence.json")
            let publisher = try await RegistryPublisher(
                producer: producer, key: authority, sequenceFile: sequenceFile.map { URL(fileURLWithPath: $0) } ?? sequences, topic: topic)
            let changes = try Self.changes(in: input, file: file, rulesChange: publisher.rulesChange)
            let publications = try await publisher.publish(changes)
            for (change, sent) in zip(changes, stride(from: 0, to: publications.count, by: Int(publisher.partitionCount))) {
                emit(
                    "\(change.type.rawValue) \(Self.describe(change)): event \(publications[sent].eventID) → \(publisher.partitionCount) partitions"
                )
            }
            emit("published \(changes.count) registry events into each of \(publisher.partitionCount) partitions of \(topic)")
        } catch let error as KafkaError {
            await producer.shutdown(timeout: .seconds(5))
            throw failure("\(error.reason); is a broker listening at \(kafka.servers.joined(separator: ","))?")
        } catch let error as PublishError {
            await producer.shutdown(timeout: .seconds(5))
            throw failure("\(error)")
        }
        await producer.shutdown()
    }

    /// A registry file's changes after the rules change, or the changes a JSON Lines file lists (each checked as the
    /// ledger will read it), saying which line is wrong.
    static func changes(in input: Data, file: String, rulesChange: RegistryChange) throws -> [RegistryChange] {
        if let registry = try? InstitutionRegistry.load(from: input) {
            return [rulesChange] + registry.changes(now: .now)
        }
        var changes: [RegistryChange] = []
        for (index, line) in input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated()
        where line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) {
            do {
                changes.append(try change(in: Array(line), rulesChange: rulesChange))
            } catch {
                throw failure("\(file) line \(index + 1): \(error) (a registry file, or one {\"type\": …, \"data\": …} per line)")
            }
        }
        guard !changes.isEmpty else { throw failure("\(file) holds no registry changes") }
        return changes
    }

    /// One line's change, read by wrapping it in the envelope the authority will send.
    private static func change(in line: [UInt8], rulesChange: RegistryChange) throws -> RegistryChange {
        guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any], let type = object["type"] as? String,
            var data = object["data"] as? [String: Any], object.count == 2
        else { throw ConsentModelError(.malformedJSON, "not an object of \"type\" and \"data\"") }
        if type == EventType.rulesChanged.rawValue, data["partitionCount"] == nil, case .rulesChanged(_, let count) = rulesChange {
            data["partitionCount"] = count
        }
        let envelope: [String: Any] = [
            "specversion": "1.0", "id": "line", "source": "registry-authority", "type": type, "time": "2026-01-01T00:00:00Z",
            "dataschema": "urn:consent-ledger:schema:\(type):v1", "datacontenttype": "application/json", "producerseq": 1, "data": data,
        ]
        let event = try Event.decode(Array(try JSONSerialization.data(withJSONObject: envelope)))
        guard case .registry(let change) = event.data else {
            throw ConsentModelError(.invalidValue, at: "type", "\(type) is an institution's event: publish it with `ledgerctl publish`")
        }
        return change
    }

    private static func describe(_ change: RegistryChange) -> String {
        switch change {
        case .institutionRegistered(let id, _, let roles): "\(id) (\(roles.map(\.rawValue).joined(separator: ", ")))"
        case .keyAdded(let id, let key, _): "\(key) of \(id)"
        case .keyRetired(let key): key
        case .rolesChanged(let id, let roles): "\(id) (\(roles.map(\.rawValue).joined(separator: ", ")))"
        case .rulesChanged(let rules, let count): "\(rules), \(count) partitions"
        }
    }
}
