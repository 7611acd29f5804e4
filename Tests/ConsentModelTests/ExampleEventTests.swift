import ConsentFixtures
import ConsentModel
import Foundation
import Testing

@Suite("topics/examples", .timeLimit(.minutes(10)))
struct ExampleEventTests {
    static func files(_ kind: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: examplesDirectory.appendingPathComponent(kind).path))?
            .filter { $0.hasSuffix(".json") }.sorted() ?? []
    }

    static func bytes(_ kind: String, _ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: examplesDirectory.appendingPathComponent(kind).appendingPathComponent(name)))
    }

    @Test("there are valid examples of every type, and invalid ones")
    func present() throws {
        let types = try Self.files("valid").map { try Event.decode(Self.bytes("valid", $0)).type }
        #expect(Set(types) == Set(EventType.allCases))
        #expect(Self.files("invalid").count >= 10)
    }

    @Test("every valid example decodes", arguments: files("valid"))
    func valid(name: String) throws {
        let event = try Event.decode(Self.bytes("valid", name))
        #expect(event.producerSequence >= 1)
    }

    /// Invalid examples are named `<code>--<field path>.json`: the error the decoder must give.
    @Test("every invalid example is rejected with the error its name announces", arguments: files("invalid"))
    func invalid(name: String) throws {
        let parts = name.dropLast(5).components(separatedBy: "--")
        let error = try #require(throws: ConsentModelError.self) { try Event.decode(Self.bytes("invalid", name)) }
        #expect(error.code.description == parts[0], "\(name): \(error)")
        #expect(error.path == parts[1], "\(name): \(error)")
    }
}
