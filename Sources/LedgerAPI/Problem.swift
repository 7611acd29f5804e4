import Foundation
import HTTPTypes
import LedgerStore
import OpenAPIRuntime

/// An RFC 9457 problem: what went wrong with a request, in words that say what to do instead.
struct Problem: Error, HTTPResponseConvertible {
    let status: HTTPResponse.Status
    let detail: String
    var retryAfterSeconds: Int?

    static func badRequest(_ detail: String) -> Problem { Problem(status: .badRequest, detail: detail) }
    static func unauthorized(_ detail: String) -> Problem { Problem(status: .unauthorized, detail: detail) }
    static func notFound(_ detail: String) -> Problem { Problem(status: .notFound, detail: detail) }
    /// The value of reading a parameter, or a 400 that says what is wrong with it.
    static func whenMalformed<T>(_ read: @autoclosure () throws -> T) throws -> T {
        do { return try read() } catch let error as QueryParameterError { throw badRequest(error.description) }
    }
    /// The same answer whether or not the thing asked for exists, so that scope cannot be probed.
    static let forbidden = Problem(status: .forbidden, detail: "this is outside what your token may see")
    /// Asked of a ledgerd whose subject references are HMACs, which only it can compute.
    static let noSubjectKey = Problem(
        status: .notFound,
        detail: "this ledgerd derives subject references by HMAC (its data directory predates VOPRF keys): it has no subject key")
    static func notYetCheckpointed(_ detail: String) -> Problem {
        Problem(
            status: .conflict, detail: detail + "; ledgerd signs a checkpoint every few seconds, so retry shortly", retryAfterSeconds: 5)
    }

    var httpStatus: HTTPResponse.Status { status }

    var httpHeaderFields: HTTPFields {
        var fields: HTTPFields = [.contentType: "application/problem+json"]
        if status == .unauthorized { fields[.wwwAuthenticate] = "Bearer" }
        if let retryAfterSeconds { fields[.retryAfter] = String(retryAfterSeconds) }
        return fields
    }

    var httpBody: HTTPBody? {
        let object: [String: Any] = ["type": "about:blank", "title": status.reasonPhrase, "status": status.code, "detail": detail]
        // Cannot fail: strings and an integer only.
        return HTTPBody(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }
}
