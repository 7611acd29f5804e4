import ArgumentParser
import ConsentModel
import Crypto
import Foundation
import InstitutionPublisher
import LedgerIdentity
import MerkleLog

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create signing keys for institutions, the registry authority, the ledger and witnesses.",
        subcommands: [GenerateKeys.self]
    )
}

/// Writes a new Ed25519 key where its owner will keep it, and prints what others must be told.
struct GenerateKeys: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate an Ed25519 key pair: an institution's event key, the ledger's checkpoint key, or a witness's key.",
        discussion: """
            An institution's key signs the events it publishes. The key file is written to --out (owner-only); \
            the registry entry to add is printed on standard output:
              ledgerctl keys generate --institution bank-a --name "Bank A" --role dataHolder
              ledgerctl publish --key keys/bank-a.key events.jsonl
            The ledger's checkpoint key is written as checkpoint-signing.key, the file ledgerd reads from its data \
            directory; its public key (for `ledgerctl verify --ledger-key`) is printed:
              ledgerctl keys generate --ledger --out data
            A witness's key is written as NAME.witness.key (a C2SP signer key); its verifier key, which a \
            trust policy lists, is printed:
              ledgerctl keys generate --witness --name witness.example.org
            The registry authority's key signs the registry events of rules/v2 (`ledgerctl registry publish`). It is \
            written as ID.key (ID: --name, default registry-authority); the line ledgerd's --registry-authority takes \
            is printed:
              ledgerctl keys generate --registry-authority --out keys
            Existing files are never overwritten.
            """
    )

    @Option(help: "Generate an event signing key for this institution id.")
    var institution: String?

    @Flag(help: "Generate the ledger's checkpoint signing key.")
    var ledger = false

    @Flag(help: "Generate a witness's cosigning key (needs --name).")
    var witness = false

    @Flag(help: "Generate the registry authority's key, which signs registry events (--name: its id).")
    var registryAuthority = false

    @Option(help: "The institution's display name, or the witness's name (such as its host name).")
    var name: String?

    @Option(help: "A role of the institution in the registry: dataHolder, recipient or operator (repeatable).")
    var role: [String] = []

    @Option(help: "The registry key id. Default: INSTITUTION/YYYY-MM-DD (today, UTC).")
    var keyId: String?

    @Option(help: "Directory to write the key file to (created if missing).")
    var out: String = "keys"

    func validate() throws {
        guard [institution != nil, ledger, witness, registryAuthority].filter({ $0 }).count == 1 else {
            throw ValidationError("choose one of --institution ID, --ledger, --witness or --registry-authority")
        }
        if registryAuthority, let name, !Identifier.isValid(name) {
            throw ValidationError("--name: the registry authority's id \(Identifier.rule)")
        }
        if witness, name?.isEmpty ?? true { throw ValidationError("--witness needs --name, such as the witness's host name") }
        if let institution, institution.isEmpty { throw ValidationError("--institution must not be empty") }
        if let unknown = role.first(where: { !["dataHolder", "recipient", "operator"].contains($0) }) {
            throw ValidationError("unknown role \"\(unknown)\": roles are dataHolder, recipient and operator")
        }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: out, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            if let institution {
                try generateInstitutionKey(institution, in: directory)
            } else if ledger {
                let key = Curve25519.Signing.PrivateKey()
                try writeSecret(
                    Data(key.rawRepresentation).base64EncodedString(), to: directory.appendingPathComponent(LedgerIdentity.signingKeyFile))
                emit(Data(key.publicKey.rawRepresentation).base64EncodedString())
            } else if registryAuthority {
                try generateAuthorityKey(name ?? "registry-authority", in: directory)
            } else if let name {
                let signer = try NoteSigner.generate(name: name, kind: .cosignatureV1)
                try writeSecret(signer.skey, to: directory.appendingPathComponent("\(name).witness.key"))
                emit(signer.verifier.vkey)
            }
        } catch let error as PublishError {
            throw failure("\(error)")
        }
    }

    private func generateInstitutionKey(_ institution: String, in directory: URL) throws {
        // Whole seconds: the registry's validFrom is read by people.
        let now = Timestamp(nanoseconds: Timestamp.now.nanoseconds / 1_000_000_000 * 1_000_000_000)
        let key = InstitutionKey(institution: institution, keyID: keyId ?? "\(institution)/\(now.description.prefix(10))")
        let file = directory.appendingPathComponent("\(institution).key")
        try key.write(to: file)
        let entry = InstitutionRegistry.Institution(
            id: institution, name: name ?? institution, roles: role, keys: [key.registryKey(validFrom: now)])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        emit(String(decoding: try encoder.encode(entry), as: UTF8.self))
        FileHandle.standardError.write(
            Data(
                "wrote \(file.path) (keep it secret); add the entry above to the registry's \"institutions\" (or its key to your entry's \"keys\")\n"
                    .utf8))
    }

    private func generateAuthorityKey(_ id: String, in directory: URL) throws {
        let key = InstitutionKey(institution: id, keyID: keyId ?? "\(id)/\(Timestamp.now.description.prefix(10))")
        guard Identifier.isValid(key.keyID) else { throw ValidationError("--key-id \(Identifier.rule)") }
        let file = directory.appendingPathComponent("\(id).key")
        try key.write(to: file)
        emit(RegistryAuthority(id: id, keyID: key.keyID, publicKey: key.privateKey.publicKey).description)
        FileHandle.standardError.write(
            Data("wrote \(file.path) (keep it secret); give ledgerd, verifiers and witnesses the line above as --registry-authority\n".utf8)
        )
    }

    private func writeSecret(_ text: String, to file: URL) throws {
        try SecretFile.create(file, contents: Data((text + "\n").utf8))
        FileHandle.standardError.write(Data("wrote \(file.path) (keep it secret)\n".utf8))
    }
}
