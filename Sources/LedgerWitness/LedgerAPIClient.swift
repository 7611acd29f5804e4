import Foundation
import HTTPTypes
import OpenAPIRuntime
import OpenAPIURLSession

/// The regulator's view of a ledgerd API, through the client generated from the same OpenAPI document
/// the server is generated from.
struct LedgerAPIClient: Sendable {
    private let client: Client

    init(url: URL, token: String) {
        client = Client(serverURL: url, transport: URLSessionTransport(), middlewares: [BearerToken(token: token)])
    }

    func ledgers() async throws -> [Components.Schemas.LedgerSummary] {
        switch try await client.listLedgers() {
        case .ok(let ok): return try ok.body.json
        case .unauthorized, .forbidden: throw WitnessError("ledgerd refused the token: the witness needs a regulator token (--token)")
        case .undocumented(let status, _): throw WitnessError("ledgerd answered the ledger list with HTTP \(status)")
        }
    }

    /// The leaves `start ..< end` of one partition ledger, fetched a hundred at a time.
    func leaves(partition: Int32, from start: UInt64, to end: UInt64) async throws -> [[UInt8]] {
        var leaves: [[UInt8]] = []
        var next = start
        while next < end {
            let upTo = min(end, next + 100)
            let page: [Components.Schemas.Leaf]
            switch try await client.listLeaves(path: .init(partition: partition), query: .init(start: Int64(next), end: Int64(upTo))) {
            case .ok(let ok): page = try ok.body.json
            default: throw WitnessError("ledgerd did not serve leaves \(next)..<\(upTo) of partition \(partition)")
            }
            guard page.count == Int(upTo - next), page.enumerated().allSatisfy({ Int64(next) + Int64($0.offset) == $0.element.index })
            else {
                throw WitnessError("ledgerd served \(page.count) leaves for \(next)..<\(upTo) of partition \(partition), not in order")
            }
            leaves += page.map { Array($0.leaf.data) }
            next = upTo
        }
        return leaves
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

/// A witness failure that is not an alarm about a ledger: the witness could not do its work.
public struct WitnessError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
