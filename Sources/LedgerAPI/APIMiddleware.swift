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
            if error.operationInput == nil { return .badRequest("\(error.causeDescription): \(error.underlyingError)") }
        }
        logger.error("\(operationID) failed: \(error)")
        return Problem(status: .internalServerError, detail: "the server failed to answer; the operator's log says why")
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
