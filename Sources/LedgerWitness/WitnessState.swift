import Foundation
import MerkleLog

/// The last checkpoint a witness cosigned for each ledger, kept in a JSON file:
/// `{"<origin>": {"size": 1200, "root": "<base64>"}}`.
struct WitnessState {
    let file: URL
    private(set) var cosigned: [String: (size: UInt64, root: SHA256Hash)] = [:]

    private struct Entry: Codable {
        let size: UInt64
        let root: String
    }

    init(file: URL) throws {
        self.file = file
        guard let data = try? Data(contentsOf: file) else { return }
        guard let entries = try? JSONDecoder().decode([String: Entry].self, from: data) else {
            throw WitnessError(
                .stateFileMalformed, "\(file.path) is not a witness state file; restore it, or move it away to start witnessing afresh")
        }
        for (origin, entry) in entries {
            guard let root = Data(base64Encoded: entry.root).flatMap({ SHA256Hash(bytes: Array($0)) }) else {
                throw WitnessError(.stateFileMalformed, "\(file.path): the root of \(origin) is not base64 of 32 bytes")
            }
            cosigned[origin] = (entry.size, root)
        }
    }

    mutating func record(origin: String, size: UInt64, root: SHA256Hash) throws {
        cosigned[origin] = (size, root)
        let entries = cosigned.mapValues { Entry(size: $0.size, root: $0.root.base64) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        do {
            try encoder.encode(entries).write(to: file, options: .atomic)
        } catch {
            throw WitnessError(.stateFileUnwritable, "cannot write the witness state file \(file.path): \(error.localizedDescription)")
        }
    }
}
