import Foundation
import PrivateFiles
import Testing

@Suite("Private files", .timeLimit(.minutes(10)))
struct PrivateFileTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("private-\(UUID().uuidString)")

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test("a created file is its owner's only, and an existing one is never replaced")
    func create() throws {
        let file = directory.appendingPathComponent("secret")
        try PrivateFile.create(file, contents: Data("one".utf8))
        #expect(try mode(file.path) == 0o600)
        let error = #expect(throws: PrivateFileError.self) { try PrivateFile.create(file, contents: Data("two".utf8)) }
        #expect(error?.code == .exists)
        #expect(try PrivateFile.readIfPresent(file) == Data("one".utf8))
    }

    @Test("only a missing file reads as missing; one that cannot be read is an error that names it")
    func read() throws {
        #expect(try PrivateFile.readIfPresent(directory.appendingPathComponent("absent")) == nil)
        // A directory where the file should be cannot be read, whoever runs the test (root reads any mode).
        let directoryInstead = directory.appendingPathComponent("secret-dir")
        try FileManager.default.createDirectory(at: directoryInstead, withIntermediateDirectories: false)
        let error = #expect(throws: PrivateFileError.self) { try PrivateFile.readIfPresent(directoryInstead) }
        #expect(error?.code == .unreadable)
        #expect(error?.description.hasPrefix(directoryInstead.path + " exists but cannot be read") == true, "\(String(describing: error))")
    }

    @Test("a directory is made owner-only, and a looser file tightened, each saying what it was")
    func restrict() throws {
        let loose = directory.appendingPathComponent("loose")
        try FileManager.default.createDirectory(at: loose, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        #expect(try PrivateFile.restrictDirectory(loose) == 0o755)
        #expect(try mode(loose.path) == 0o700)
        #expect(try PrivateFile.restrictDirectory(loose) == nil)
        let fresh = directory.appendingPathComponent("parent/fresh")
        #expect(try PrivateFile.restrictDirectory(fresh) == nil)
        #expect(try mode(fresh.path) == 0o700)
        let file = loose.appendingPathComponent("ledger.sqlite")
        try Data().write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        #expect(try PrivateFile.restrictFile(file.path) == 0o644)
        #expect(try mode(file.path) == 0o600)
        #expect(try PrivateFile.restrictFile(loose.appendingPathComponent("absent").path) == nil)
    }
}
