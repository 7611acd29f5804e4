import ConsentModel
import Foundation
import InstitutionPublisher

/// The registry and keys of a simulation, in one directory: `registry.json` for ledgerd, and
/// `keys/ID.key` (with its `ID.sequence.json`) for each institution.
public struct SimulationSetup: Sendable {
    public let directory: URL
    public let keys: [String: InstitutionKey]
    public var registryFile: URL { directory.appendingPathComponent("registry.json") }

    /// Reads the keys already in `directory`, creating the missing ones and (re)writing the registry;
    /// `created` is true when the registry is new or changed, which ledgerd only reads when it starts.
    public static func prepare(in directory: URL, institutions: [SimulatedInstitution], validFrom: Timestamp) throws -> (
        setup: SimulationSetup, created: Bool
    ) {
        let keyDirectory = directory.appendingPathComponent("keys")
        try FileManager.default.createDirectory(at: keyDirectory, withIntermediateDirectories: true)
        var keys: [String: InstitutionKey] = [:]
        var created = false
        for institution in institutions {
            let file = keyDirectory.appendingPathComponent("\(institution.id).key")
            if FileManager.default.fileExists(atPath: file.path) {
                keys[institution.id] = try InstitutionKey.load(from: file)
            } else {
                let key = InstitutionKey(institution: institution.id, keyID: "\(institution.id)/sim")
                try key.write(to: file)
                keys[institution.id] = key
                created = true
            }
        }
        let setup = SimulationSetup(directory: directory, keys: keys)
        if created || !FileManager.default.fileExists(atPath: setup.registryFile.path) {
            let registry = institutions.map { institution in
                InstitutionRegistry.Institution(
                    id: institution.id, name: institution.name,
                    roles: institution.role == "operator" ? ["operator", "recipient"] : ["dataHolder"],
                    keys: [keys[institution.id]!.registryKey(validFrom: validFrom)])
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(["institutions": registry]).write(to: setup.registryFile)
            created = true
        }
        return (setup, created)
    }

    public func sequenceFile(of institution: String) -> URL {
        directory.appendingPathComponent("keys/\(institution).sequence.json")
    }
}
