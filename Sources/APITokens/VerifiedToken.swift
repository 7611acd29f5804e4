import Foundation

/// What a token that passed every check says: who it is for, in which role, and until when.
public struct VerifiedToken: Sendable, Equatable {
    public let role: APIToken.Role
    /// The subject's raw identifier (citizen), the institution id (institution) or a name (regulator).
    public let subject: String
    public let expires: Date
}
