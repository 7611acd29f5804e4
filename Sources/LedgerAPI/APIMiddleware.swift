import APITokens
import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime

/// Turns every failure into a problem document: the caller's own mistakes into a 4xx that says what
/// is wrong, anything else into a 500 that reveals nothing (and is logged).
struct ProblemMiddleware: ServerMiddleware {
    let logger: Logger

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        do {
            return try await next(request, body, metadata)
        } catch {
            let problem = self.problem(for: error, operationID: operationID)
            return (HTTPResponse(status: problem.httpStatus, headerFields: problem.httpHeaderFields), problem.httpBody)
        }
    }

    private func problem(for error: any Error, operationID: String) -> Problem {
        if let problem = error as? Problem { return problem }
        if let error = error as? ServerError {
            if let problem = error.underlyingError as? Problem { return problem }
            // The generated code could not read a parameter: the request's fault.
            if error.operationInput == nil { return .badRequest(Self.describe(error.underlyingError, in: error.request)) }
        }
        logger.error("\(operationID) failed: \(error)")
        return Problem(status: .internalServerError, detail: "the server failed to answer; the operator's log says why")
    }

    /// The generated decoder does not say which parameter it choked on, so say what kind of value was
    /// wrong and show the request it was in.
    static func describe(_ error: any Error, in request: HTTPRequest) -> String {
        let problem: String
        switch error as? DecodingError {
        case .typeMismatch(let type, _), .valueNotFound(let type, _):
            let kind = "\(type)".hasPrefix("Int") ? "an integer" : "a \(type)"
            problem = "a parameter that must be \(kind) is missing or is not one"
        case .dataCorrupted(let context) where context.debugDescription.contains("invalid String value"):
            let value = context.debugDescription.components(separatedBy: "invalid String value ").last ?? ""
            problem = "\"\(value)\" is not one of the values this parameter takes"
        case .keyNotFound(let key, _):
            problem = "parameter \(key.stringValue) is required"
        default:
            problem = "a parameter could not be read (\(error))"
        }
        return "\(problem), in \(request.path ?? "the request"); docs/openapi.yaml lists every operation's parameters"
    }
}

/// Verifies the bearer token and makes the caller known to the handlers (``Caller/current``).
struct AuthenticationMiddleware: ServerMiddleware {
    let verifier: TokenVerifier

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let caller = try await verifier.caller(authorization: request.headerFields[.authorization])
        return try await Caller.$current.withValue(caller) { try await next(request, body, metadata) }
    }
}

/// Refuses empty and over-long parameters before anything reads them: the generated decoder does not
/// enforce the document's string lengths, and every string parameter of the API is 1…128 characters.
struct ParameterLengthMiddleware: ServerMiddleware {
    static let maximumLength = 128

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let target = request.path ?? ""
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        for segment in parts[0].split(separator: "/")
        where (String(segment).removingPercentEncoding ?? String(segment)).unicodeScalars.count > Self.maximumLength {
            throw Problem.badRequest("a path segment is longer than \(Self.maximumLength) characters")
        }
        for item in parts.dropFirst().first?.split(separator: "&") ?? [] {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = pair.count == 2 ? (String(pair[1]).removingPercentEncoding ?? String(pair[1])) : ""
            // JSON Schema counts code points, not grapheme clusters.
            guard (1...Self.maximumLength).contains(value.unicodeScalars.count) else {
                throw Problem.badRequest("parameter \(pair[0]) must be 1 to \(Self.maximumLength) characters long")
            }
        }
        return try await next(request, body, metadata)
    }
}

/// Refuses a request body over 4 KiB before anything buffers it (the generated decoder would take any size).
struct BodySizeMiddleware: ServerMiddleware {
    static let maximumBytes = 4096

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let body else { return try await next(request, nil, metadata) }
        let bytes: Data
        do { bytes = try await Data(collecting: body, upTo: Self.maximumBytes) } catch {
            throw Problem(status: .contentTooLarge, detail: "the request body is over \(Self.maximumBytes) bytes")
        }
        return try await next(request, HTTPBody(bytes), metadata)
    }
}
