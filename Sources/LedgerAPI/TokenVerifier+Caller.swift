import APITokens

extension TokenVerifier {
    /// The caller an `Authorization: Bearer <token>` header names, or a 401 that says what is wrong with it.
    func caller(authorization: String?) async throws -> Caller {
        guard let authorization else { throw Problem.unauthorized("send an Authorization: Bearer <token> header") }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Problem.unauthorized("the Authorization header must be: Bearer <token>")
        }
        let token: VerifiedToken
        do { token = try await verify(String(parts[1])) } catch let error as TokenError { throw Problem.unauthorized(error.reason) }
        return switch token.role {
        case .citizen: .citizen(subject: token.subject)
        case .institution: .institution(id: token.subject)
        case .regulator: .regulator(name: token.subject)
        }
    }
}
