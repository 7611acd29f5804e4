import Foundation
import FuzzTargets
import Testing

/// The package's root, found from this file's place in it.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The inputs a fuzz target starts from: its committed corpus (`Fuzz/corpus/<target>/`, where every input that
/// once crashed is kept under a name that says what it was), and the repository's own files of that kind.
func seeds(of target: FuzzTarget) throws -> [(name: String, bytes: [UInt8])] {
    var directories = [packageRoot.appendingPathComponent("Fuzz/corpus/\(target.rawValue)")]
    switch target {
    case .event: directories += ["valid", "invalid"].map { packageRoot.appendingPathComponent("topics/examples/\($0)") }
    case .registry: directories.append(packageRoot.appendingPathComponent("topics/registry"))
    case .topicDefinition: directories.append(packageRoot.appendingPathComponent("topics"))
    default: break
    }
    var seeds: [(String, [UInt8])] = []
    for directory in directories {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for file in files.sorted() where !file.hasPrefix(".") && !file.hasSuffix(".md") {
            let url = directory.appendingPathComponent(file)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            seeds.append(("\(directory.lastPathComponent)/\(file)", Array(try Data(contentsOf: url))))
        }
    }
    return seeds
}

@Suite("Fuzz targets on their corpus", .timeLimit(.minutes(10)))
struct CorpusReplayTests {
    @Test("every committed input of every target runs through without a trap or a broken round trip", arguments: FuzzTarget.allCases)
    func replay(target: FuzzTarget) throws {
        let inputs = try seeds(of: target)
        #expect(inputs.count >= 2, "\(target) has a corpus to start from")
        for input in inputs { target.run(input.bytes) }
    }

    @Test("each target is named by its corpus directory, and every corpus directory by a target")
    func corpusDirectories() throws {
        let directories = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Fuzz/corpus").path)
        #expect(Set(directories) == Set(FuzzTarget.allCases.map(\.rawValue)))
    }
}
