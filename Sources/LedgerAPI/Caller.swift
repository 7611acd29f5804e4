import ConsentModel

/// Who is asking, as their verified token says.
enum Caller: Sendable, Equatable {
    /// A data subject, by their raw identifier (the events' `subject`).
    case citizen(subject: String)
    case institution(id: String)
    case regulator(name: String)

    /// Set for the duration of each request by ``AuthenticationMiddleware``.
    @TaskLocal static var current: Caller?

    static func authenticated() throws -> Caller {
        guard let current else { throw Problem.unauthorized("a bearer token is required") }
        return current
    }

    static func citizen() throws -> String {
        guard case .citizen(let subject) = try authenticated() else { throw Problem.forbidden }
        return subject
    }

    static func institution() throws -> String {
        guard case .institution(let id) = try authenticated() else { throw Problem.forbidden }
        return id
    }

    static func regulator() throws {
        guard case .regulator = try authenticated() else { throw Problem.forbidden }
    }
}
