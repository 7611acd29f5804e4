import ConsentModel
public import Foundation
import HTTPTypes
import MerkleLog
import OpenAPIRuntime
import OpenAPIURLSession

/// A ledgerd API, through the client generated from the same OpenAPI document the server is generated
/// from. Each call returns what was served, unverified: see ``CitizenHistory`` and the witness for checks.
public struct LedgerAPIClient: Sendable {
    /// A partition ledger as the API lists it.
    public struct Ledger: Sendable {
        /// The ledger's origin.
        public let name: String
        /// The events topic it records a partition of.
        public let topic: String
        public let partition: Int32
        public let size: UInt64
        /// Its latest signed checkpoint note, once it has one.
        public let checkpoint: String?
    }

    /// A leaf as the ledger stores it, with its record.
    public struct Leaf: Sendable {
        public let index: UInt64
        public let leaf: [UInt8]
        /// As served: hex, unchecked.
        public let leafHash: String
        public let chainHash: String
        /// `nil` for a tombstone or a redacted record.
        public let value: [UInt8]?
        public let headers: [(name: String, value: [UInt8]?)]
        public let redacted: Bool
        /// The leaf that ordered the record erased, as served.
        public let erasedBy: UInt64?
    }

    /// A signed checkpoint with the cosigned notes of it the ledger received from witnesses (unverified).
    public struct Checkpoint: Sendable {
        public let size: UInt64
        public let note: String
        public let mapNote: String?
        /// Each witness's cosigned note, by the name it was published under.
        public let cosignatures: [String: String]
    }

    private let client: Client
    private let url: URL

    public init(url: URL, token: String) {
        client = Client(serverURL: url, transport: URLSessionTransport(), middlewares: [BearerToken(token: token)])
        self.url = url
    }

    /// Calls the API, reporting a failure to reach it or to read its answer in one line rather than the
    /// generated client's dump of the whole request.
    private func call<Output>(_ operation: (Client) async throws -> Output) async throws -> Output {
        do {
            return try await operation(client)
        } catch let error as ClientError {
            throw LedgerClientError(.unreachable, "ledgerd at \(url), \(error.operationID): \(error.underlyingError.localizedDescription)")
        }
    }

    /// Every partition ledger with its latest checkpoints (a regulator's token).
    public func ledgers() async throws -> [Ledger] {
        switch try await call({ try await $0.listLedgers() }) {
        case .ok(let ok):
            return try ok.body.json.map {
                Ledger(
                    name: $0.ledger, topic: $0.topic, partition: $0.partition, size: try unsigned($0.size, "the size of \($0.ledger)"),
                    checkpoint: $0.checkpoint)
            }
        case .unauthorized, .forbidden: throw LedgerClientError(.tokenRefused, "ledgerd refused the token: this needs a regulator token")
        case .undocumented(let status, _):
            throw LedgerClientError(.unexpectedStatus, "ledgerd answered the ledger list with HTTP \(status)")
        }
    }

    /// The leaves `start ..< end` of one partition ledger, fetched a hundred at a time (a regulator's token).
    public func leaves(partition: Int32, from start: UInt64, to end: UInt64) async throws -> [Leaf] {
        var leaves: [Leaf] = []
        var next = start
        while next < end {
            let upTo = end - next > 100 ? next + 100 : end
            let page: [Components.Schemas.Leaf]
            switch try await call({
                try await $0.listLeaves(path: .init(partition: partition), query: .init(start: Int64(next), end: Int64(upTo)))
            }) {
            case .ok(let ok): page = try ok.body.json
            default: throw LedgerClientError(.unexpectedStatus, "ledgerd did not serve leaves \(next)..<\(upTo) of partition \(partition)")
            }
            guard page.count == Int(upTo - next), page.enumerated().allSatisfy({ Int64(next) + Int64($0.offset) == $0.element.index })
            else {
                throw LedgerClientError(
                    .malformedAnswer, "ledgerd served \(page.count) leaves for \(next)..<\(upTo) of partition \(partition), not in order")
            }
            leaves += try page.map {
                Leaf(
                    index: try unsigned($0.index, "a leaf index"), leaf: Array($0.leaf.data), leafHash: $0.leafHash,
                    chainHash: $0.chainHash,
                    value: $0.value.map { Array($0.data) }, headers: $0.headers.map { ($0.name, $0.value.map { Array($0.data) }) },
                    redacted: $0.redacted, erasedBy: try $0.erasedBy.map { try unsigned($0, "an erasing leaf's index") })
            }
            next = upTo
        }
        return leaves
    }

    /// Every signed checkpoint of one partition ledger, oldest first, all pages (a regulator's token).
    public func checkpoints(partition: Int32) async throws -> [Checkpoint] {
        var checkpoints: [Checkpoint] = []
        var cursor: String?
        repeat {
            switch try await call({
                try await $0.listCheckpoints(path: .init(partition: partition), query: .init(cursor: cursor, limit: 100))
            }) {
            case .ok(let ok):
                let page = try ok.body.json
                checkpoints += try page.items.map { item in
                    Checkpoint(
                        size: try unsigned(item.size, "a checkpoint size"), note: item.checkpoint, mapNote: item.mapCheckpoint,
                        cosignatures: Dictionary(item.cosignatures.map { ($0.witness, $0.note) }, uniquingKeysWith: { first, _ in first }))
                }
                cursor = page.nextCursor
            default: throw LedgerClientError(.unexpectedStatus, "ledgerd did not serve the checkpoints of partition \(partition)")
            }
        } while cursor != nil
        return checkpoints
    }

    /// The ledger's signed subject key statement, unverified.
    func subjectKeyStatement() async throws -> String {
        switch try await call({ try await $0.getSubjectKeyStatement() }) {
        case .ok(let ok):
            return try await String(collecting: try ok.body.plainText, upTo: SignedNote.maximumSize)
        case .notFound:
            throw LedgerClientError.noSubjectKey
        case .unauthorized: throw LedgerClientError(.tokenRefused, "ledgerd refused the token")
        case .undocumented(let status, _):
            throw LedgerClientError(.unexpectedStatus, "ledgerd answered the subject key request with HTTP \(status)")
        }
    }

    /// The ledger's evaluation of a blinded element (``SubjectOPRF``), unverified.
    public func subjectKey(blindedElement: [UInt8]) async throws -> SubjectOPRF.Evaluation {
        let request = Components.Schemas.SubjectKeyRequest(blindedElement: .init(blindedElement))
        switch try await call({ try await $0.evaluateSubjectKey(body: .json(request)) }) {
        case .ok(let ok):
            let answer = try ok.body.json
            return SubjectOPRF.Evaluation(element: Array(answer.evaluatedElement.data), proof: Array(answer.proof.data))
        case .notFound:
            throw LedgerClientError.noSubjectKey
        case .unauthorized, .forbidden: throw LedgerClientError(.tokenRefused, "ledgerd refused the token: this needs a citizen token")
        case .badRequest, .contentTooLarge, .undocumented:
            throw LedgerClientError(.unexpectedStatus, "ledgerd refused to evaluate the blinded subject key")
        }
    }

    /// The caller's completeness proofs, one per ledger (a citizen's token).
    func completeness() async throws -> Components.Schemas.Completeness {
        switch try await call({ try await $0.getMyCompleteness() }) {
        case .ok(let ok): return try ok.body.json
        case .unauthorized, .forbidden: throw LedgerClientError(.tokenRefused, "ledgerd refused the token: this needs a citizen token")
        case .undocumented(let status, _):
            throw LedgerClientError(.unexpectedStatus, "ledgerd answered the completeness request with HTTP \(status)")
        }
    }

    /// A completeness answer's entries, all pages: its first page, then the rest at the checkpoint's size, until
    /// `count` (the proven number of entries) are read or the server has no more.
    func entries(of answer: Components.Schemas.SubjectCompleteness, size: UInt64, count: UInt64) async throws
        -> [Components.Schemas.Position]
    {
        var entries = answer.entries
        var cursor = answer.nextCursor
        while let next = cursor, UInt64(entries.count) < count {
            let query = Operations.ListMyCompletenessEntries.Input.Query(size: Int64(clamping: size), cursor: next, limit: 100)
            switch try await call({ try await $0.listMyCompletenessEntries(path: .init(partition: answer.partition), query: query) }) {
            case .ok(let ok):
                let page = try ok.body.json
                guard !page.items.isEmpty else {
                    throw LedgerClientError(.malformedAnswer, "\(answer.ledger): an empty page of entries with a next cursor")
                }
                entries += page.items
                cursor = page.nextCursor
            case .unauthorized, .forbidden: throw LedgerClientError(.tokenRefused, "ledgerd refused the token: this needs a citizen token")
            default: throw LedgerClientError(.unexpectedStatus, "ledgerd did not serve the entries of \(answer.ledger)")
            }
        }
        return entries
    }

    /// The caller's whole proven history in one answer (a citizen's token), unverified.
    func bundle() async throws -> HistoryBundle {
        switch try await call({ try await $0.getMyBundle() }) {
        case .ok(let ok):
            return try HistoryBundle(try ok.body.json)
        case .unauthorized, .forbidden: throw LedgerClientError(.tokenRefused, "ledgerd refused the token: this needs a citizen token")
        case .undocumented(let status, _):
            throw LedgerClientError(.unexpectedStatus, "ledgerd answered the bundle request with HTTP \(status)")
        }
    }

    /// Every access to the caller's data, all pages (a citizen's token).
    func accesses() async throws -> [Components.Schemas.AccessEntry] {
        var items: [Components.Schemas.AccessEntry] = []
        var cursor: String?
        repeat {
            switch try await call({ try await $0.listMyAccesses(query: .init(cursor: cursor, limit: 100)) }) {
            case .ok(let ok):
                let page = try ok.body.json
                items += page.items
                cursor = page.nextCursor
            case .unauthorized, .forbidden: throw LedgerClientError(.tokenRefused, "ledgerd refused the token: this needs a citizen token")
            default: throw LedgerClientError(.unexpectedStatus, "ledgerd did not serve the list of accesses")
            }
        } while cursor != nil
        return items
    }
}

/// Adds the bearer token to every request.
private struct BearerToken: ClientMiddleware {
    let token: String

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(token)"
        return try await next(request, body, baseURL)
    }
}

/// An index, size or count as a server sent it: ledgerd never sends a negative one, so one is refused, not trapped on.
func unsigned(_ value: Int64, _ what: String) throws -> UInt64 {
    guard let unsigned = UInt64(exactly: value) else {
        throw LedgerClientError(.malformedAnswer, "the server sent \(what) of \(value), which is negative")
    }
    return unsigned
}

extension LedgerClientError {
    /// A 404 from a subject key route: the ledger's references are HMACs.
    static var noSubjectKey: LedgerClientError {
        LedgerClientError(.unexpectedStatus, "this ledgerd offers no subject key: its references are HMACs, which only it can compute")
    }
}
