import APITokens
import ConsentModel
import Foundation
import InstitutionPublisher
import KafkaClient
import LedgerClient
import LedgerFormat
import LedgerIngest
import LedgerStore
import MerkleLog

/// Every parser of bytes from outside (Kafka records, HTTP parameters, files, flags), as a function of one input.
///
/// Each one parses, and where the format has a canonical form checks that what it accepted comes back the same
/// when written and read again: a broken promise stops the process (`preconditionFailure`), which is what a
/// fuzzer looks for. `Fuzz/` runs them under libFuzzer; `FuzzTargetsTests` replays the committed corpus, so a
/// crash once found stays a regression test.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A Kafka value as ledgerd reads it: the strict event decoder (JSON syntax, timestamps, repeated keys) and
    /// the rules, at Kafka timestamps from either end of 64 bits.
    case event
    /// An encoded leaf, as a verifier reads it from a file or the API.
    case leaf
    /// Kafka headers as stored beside a leaf.
    case storedHeaders = "stored-headers"
    /// A C2SP signed note, from the checkpoints topic or the API.
    case signedNote = "signed-note"
    /// A checkpoint's note text.
    case checkpoint
    /// A subject-map checkpoint's note text.
    case mapCheckpoint = "map-checkpoint"
    /// A record of the checkpoints topic keyed `<origin>/cosigned-by/<witness>`: the key, a newline, the note.
    case cosignature
    /// A witness policy file.
    case trustPolicy = "trust-policy"
    /// A c2sp.org/tlog-proof bundle.
    case proofBundle = "proof-bundle"
    /// A subject-map proof as a server could send it: key, terminal and siblings, checked against a real map.
    case subjectMapProof = "subject-map-proof"
    /// The API's cursors, time bounds and hash parameters: one per line.
    case apiParameters = "api-parameters"
    /// An institution registry file (its institutions then published as registry events and judged), or a registry
    /// authority's `ID+KEYID+KEY` line.
    case registry
    /// A topic definition file.
    case topicDefinition = "topic-definition"
    /// Note keys as flags and files carry them: a verifier key (vkey) and a signer key (skey), one per line.
    case noteKeys = "note-keys"
    /// A stored verdict's canonical JSON.
    case verdict
    /// A producer sequence file.
    case producerSequences = "producer-sequences"
    /// ledgerd's `--token-keys` file: a JSON Web Key Set of token issuers.
    case tokenKeys = "token-keys"
    /// An API bearer token's header (its key id) and claims, judged against the policy (the signature is jwt-kit's).
    case apiToken = "api-token"
    /// A `--kafka-config` file of librdkafka properties.
    case kafkaConfig = "kafka-config"
    /// The subject key protocol's outside bytes: a blinded element as the server reads it, an evaluation as a client
    /// reads it (element then proof), a subject key, and a signed subject key statement.
    case subjectKey = "subject-key"
    /// A citizen's history bundle file, read and checked under the fixture ledger key, witness and subject key.
    case historyBundle = "history-bundle"

    public func run(_ bytes: [UInt8]) {
        switch self {
        case .event: Self.event(bytes)
        case .leaf: Self.leaf(bytes)
        case .storedHeaders: Self.storedHeaders(bytes)
        case .signedNote: Self.signedNote(bytes)
        case .checkpoint: Self.checkpoint(bytes)
        case .mapCheckpoint: Self.mapCheckpoint(bytes)
        case .cosignature: Self.cosignature(bytes)
        case .trustPolicy: Self.trustPolicy(bytes)
        case .proofBundle: Self.proofBundle(bytes)
        case .subjectMapProof: Self.subjectMapProof(bytes)
        case .apiParameters: Self.apiParameters(bytes)
        case .registry: Self.registry(bytes)
        case .topicDefinition: _ = try? KafkaTopicDefinition.load(Data(bytes), fileName: "fuzz.json")
        case .noteKeys: Self.noteKeys(bytes)
        case .verdict: _ = try? VerdictCodes(canonicalJSON: bytes)
        case .producerSequences:
            _ = try? ProducerSequences.read(
                Data(bytes), file: URL(fileURLWithPath: "/fuzz.json"), institution: "bank-a", topic: LedgerTopic.events)
        case .tokenKeys: Self.tokenKeys(bytes)
        case .apiToken: Self.apiToken(bytes)
        case .subjectKey: Self.subjectKey(bytes)
        case .historyBundle: Self.historyBundle(bytes)
        case .kafkaConfig: Self.kafkaConfig(bytes)
        }
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    static func event(_ bytes: [UInt8]) {
        if let event = try? Event.decode(bytes) {
            guard (try? JSONSyntax.check(bytes)) == .some(nil) else {
                preconditionFailure("an event was decoded from text that is not JSON")
            }
            guard Timestamp(rfc3339: event.time.description) == event.time else { preconditionFailure("time does not round-trip") }
        }
        for kafkaTimestamp in [nil, 0, Int64.min, Int64.max] as [Int64?] {
            for var rules in [Fixtures.rulesV1, Fixtures.rulesV2] {
                for headers in [Fixtures.headers, Fixtures.authorityHeaders(for: bytes)] {
                    let judgement = rules.judge(IncomingRecord(value: bytes, headers: headers, kafkaTimestamp: kafkaTimestamp))
                    guard let codes = try? VerdictCodes(canonicalJSON: judgement.verdict.canonicalJSON),
                        codes == VerdictCodes(judgement.verdict)
                    else { preconditionFailure("a verdict does not read back as its codes") }
                }
            }
        }
    }

    static func leaf(_ bytes: [UInt8]) {
        guard let leaf = try? LedgerLeaf(decoding: bytes) else { return }
        guard leaf.encoded == bytes else { preconditionFailure("a decoded leaf encodes to other bytes") }
        _ = try? LedgerLeaf.previousChainHash(in: bytes)
    }

    static func storedHeaders(_ bytes: [UInt8]) {
        guard let headers = try? StoredHeaders.decode(bytes) else { return }
        guard StoredHeaders.encode(headers) == bytes else { preconditionFailure("decoded headers encode to other bytes") }
    }

    static func signedNote(_ bytes: [UInt8]) {
        guard let note = try? SignedNote(parsing: bytes) else { return }
        guard let again = try? SignedNote(parsing: Array(note.formatted.utf8)), again == note else {
            preconditionFailure("a parsed note does not parse back from its formatted text")
        }
        _ = try? note.verify(trusting: Fixtures.noteVerifiers)
        _ = try? Fixtures.policy.verify(note)
        _ = try? Fixtures.policy.verifyMap(note)
    }

    static func checkpoint(_ bytes: [UInt8]) {
        guard let checkpoint = try? Checkpoint(text: text(bytes)) else { return }
        guard checkpoint.text == text(bytes) else { preconditionFailure("a parsed checkpoint writes other text") }
    }

    static func mapCheckpoint(_ bytes: [UInt8]) {
        guard let map = try? MapCheckpoint(text: text(bytes)) else { return }
        guard (try? MapCheckpoint(text: map.text)) == map else { preconditionFailure("a parsed map checkpoint does not read back") }
    }

    static func cosignature(_ bytes: [UInt8]) {
        let parts = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false)
        let record = KafkaRecord(
            topicPartition: KafkaTopicPartition(topic: LedgerTopic.checkpoints, partition: 0), offset: 0, timestamp: nil,
            key: Array(parts[0]), value: parts.count > 1 ? Array(parts[1]) : nil, headers: [])
        guard let cosigned = Cosigned(record) else { return }
        _ = try? cosigned.note.verify(trusting: Fixtures.noteVerifiers)
        _ = try? Checkpoint(text: cosigned.note.text)
    }

    static func trustPolicy(_ bytes: [UInt8]) {
        guard let policy = try? TrustPolicy(text: text(bytes)) else { return }
        guard (try? TrustPolicy(text: policy.text)) == policy else { preconditionFailure("a parsed policy does not read back") }
    }

    static func proofBundle(_ bytes: [UInt8]) {
        guard let bundle = try? ProofBundle(text: text(bytes)) else { return }
        guard (try? ProofBundle(text: bundle.text)) == bundle else { preconditionFailure("a parsed proof bundle does not read back") }
        _ = try? bundle.verify(policy: Fixtures.policy)
    }

    /// 32 bytes of key, a terminal (`0` empty; else a leaf: 32 key bytes, 8 count bytes, 32 head bytes), siblings.
    static func subjectMapProof(_ bytes: [UInt8]) {
        var rest = bytes[...]
        func take(_ count: Int) -> [UInt8]? {
            guard rest.count >= count else { return nil }
            defer { rest = rest.dropFirst(count) }
            return Array(rest.prefix(count))
        }
        guard let key = take(32).flatMap({ SHA256Hash(bytes: $0) }), let kind = take(1) else { return }
        var terminal = SubjectMapProof.Terminal.empty
        if kind[0] != 0 {
            guard let leafKey = take(32).flatMap({ SHA256Hash(bytes: $0) }), let count = take(8),
                let head = take(32).flatMap({ SHA256Hash(bytes: $0) })
            else { return }
            terminal = .leaf(key: leafKey, value: SubjectMapValue(count: count.reduce(0) { $0 << 8 | UInt64($1) }, chainHead: head))
        }
        var siblings: [SHA256Hash] = []
        while let sibling = take(32).flatMap({ SHA256Hash(bytes: $0) }) { siblings.append(sibling) }
        let proof = SubjectMapProof(siblings: siblings, terminal: terminal)
        let map = Fixtures.subjectMap
        let claimed: SubjectMapValue? = if case .leaf(let leafKey, let value) = terminal, leafKey == key { value } else { nil }
        if (try? proof.verify(key: key, value: claimed, root: map.rootHash)) != nil, claimed != map.value(for: key) {
            preconditionFailure("a forged subject-map proof verified")
        }
        _ = try? proof.verifyHistory(key: key, leafHashes: siblings, root: map.rootHash)
    }

    static func apiParameters(_ bytes: [UInt8]) {
        let lines = text(bytes).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func line(_ index: Int) -> String? { index < lines.count ? lines[index] : nil }
        if let cursor = line(0), let parsed = try? PageCursor(cursor) {
            guard (try? PageCursor(parsed.text)) == parsed else { preconditionFailure("a cursor does not read back") }
        }
        var filter = EntryFilter()
        _ = try? filter.occurring(from: line(1), until: line(2))
        if let cursor = line(0), let size = try? PageCursor.checkpointSize(cursor) {
            guard (try? PageCursor.checkpointSize(String(size))) == size else {
                preconditionFailure("a checkpoint cursor does not read back")
            }
        }
        if let hash = line(3), let parsed = SHA256Hash(hex: hash) {
            guard SHA256Hash(hex: parsed.hex) == parsed else { preconditionFailure("a hash does not read back") }
        }
        if let instant = line(4), let parsed = Timestamp(rfc3339: instant) {
            guard Timestamp(rfc3339: parsed.description) == parsed else { preconditionFailure("an instant does not read back") }
        }
    }

    static func registry(_ bytes: [UInt8]) {
        _ = try? RegistryAuthority(parsing: text(bytes))
        guard let registry = try? InstitutionRegistry.load(from: Data(bytes)) else { return }
        var rules = Rules(trust: RegistryTrust(bootstrap: registry, authority: Fixtures.authority), partition: 0, secret: Fixtures.secret)
        for (sequence, change) in registry.changes(now: Timestamp(nanoseconds: 0)).prefix(16).enumerated() {
            let value = change.eventValue(
                id: "r\(sequence)", source: "x", time: Timestamp(nanoseconds: 0), producerSequence: Int64(sequence + 1))
            guard case .registry(let read) = try? Event.decode(value).data, read == change else {
                preconditionFailure("a registry change does not read back from its event")
            }
            _ = rules.judge(IncomingRecord(value: value, headers: Fixtures.authorityHeaders(for: value), kafkaTimestamp: nil))
        }
    }

    static func subjectKey(_ bytes: [UInt8]) {
        if let evaluation = try? Fixtures.subjectKey.evaluate(blindedElement: bytes) {
            guard evaluation.element.count == 49, evaluation.proof.count == 96 else {
                preconditionFailure("an evaluation is not 49 + 96 bytes")
            }
        }
        if bytes.count >= 49 {
            let answer = SubjectOPRF.Evaluation(element: Array(bytes.prefix(49)), proof: Array(bytes.dropFirst(49)))
            if (try? Fixtures.subjectKeyRequest.reference(from: answer)) != nil {
                preconditionFailure("an evaluation the fixture key did not make passed its proof")
            }
        }
        if let key = try? SubjectOPRF.PublicKey(bytes: bytes), (try? SubjectOPRF.PublicKey(bytes: key.bytes)) != key {
            preconditionFailure("a subject key does not read back")
        }
        if let statement = try? SubjectKeyStatement(verifying: text(bytes), ledgerKey: Fixtures.institutionKey.publicKey) {
            guard
                (try? SubjectKeyStatement(
                    verifying: statement.signed(with: Fixtures.institutionKey), ledgerKey: Fixtures.institutionKey.publicKey))
                    == statement
            else { preconditionFailure("a subject key statement does not read back") }
        }
    }

    static func historyBundle(_ bytes: [UInt8]) {
        guard let bundle = try? HistoryBundle(json: bytes) else { return }
        guard (try? HistoryBundle(json: bundle.json))?.json == bundle.json else { preconditionFailure("a bundle does not read back") }
        _ = try? bundle.check(
            ledgerKey: Fixtures.logKey.publicKey, witnessPolicy: "witness \(Fixtures.noteVerifiers[1].vkey)\nquorum 1\n",
            subjectKey: Fixtures.subjectKey.publicKey)
    }

    static func noteKeys(_ bytes: [UInt8]) {
        let lines = text(bytes).split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        if let verifier = try? NoteVerifier(vkey: lines[0]) {
            guard (try? NoteVerifier(vkey: verifier.vkey)) == verifier else { preconditionFailure("a vkey does not read back") }
        }
        if lines.count > 1 { _ = try? NoteSigner(skey: lines[1]) }
    }

    static func tokenKeys(_ bytes: [UInt8]) {
        guard let issuers = try? TokenIssuer.keySet(bytes) else { return }
        guard !issuers.isEmpty, issuers.allSatisfy({ !$0.keyID.isEmpty && !$0.issuer.isEmpty && !$0.roles.isEmpty }),
            Set(issuers.map(\.keyID)).count == issuers.count
        else { preconditionFailure("a key set was accepted with an issuer that names no key, no iss or no role, or a kid twice") }
    }

    /// The input as a whole token (its header's key id), and as a token's claims JSON, judged as if the fixture
    /// issuer had signed them at three moments, so that the policy's time arithmetic meets every value a token can carry.
    static func apiToken(_ bytes: [UInt8]) {
        _ = try? TokenVerifier.keyID(of: text(bytes))
        guard let token = try? JSONDecoder().decode(APIToken.self, from: Data(bytes)) else { return }
        for now in [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_780_000_000), Date.distantFuture] {
            guard let accepted = try? TokenPolicy().accept(token, signedBy: Fixtures.tokenIssuer, now: now) else { continue }
            guard accepted.expires > now, accepted.role == token.role, Fixtures.tokenIssuer.roles.contains(accepted.role) else {
                preconditionFailure("a token was accepted that is expired or of a role its issuer may not mint")
            }
        }
    }

    static func kafkaConfig(_ bytes: [UInt8]) {
        guard let properties = try? KafkaProperties.parse(text(bytes), file: "fuzz.properties") else { return }
        let again = properties.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        guard (try? KafkaProperties.parse(again, file: "again.properties")) == properties else {
            preconditionFailure("properties do not read back")
        }
    }
}
