import Foundation
import Synchronization

/// Tokens whose signature and claims were checked, until they expire; at most `capacity` of them
/// (when full, the expired ones go, and if none had, all of them).
final class VerifiedTokens: Sendable {
    static let capacity = 10_000
    private let tokens = Mutex<[String: VerifiedToken]>([:])

    func token(for jwt: String, now: Date) -> VerifiedToken? {
        tokens.withLock { tokens in
            guard let token = tokens[jwt] else { return nil }
            guard token.expires > now else {
                tokens[jwt] = nil
                return nil
            }
            return token
        }
    }

    func remember(_ jwt: String, as token: VerifiedToken, now: Date) {
        tokens.withLock { tokens in
            if tokens.count >= Self.capacity {
                tokens = tokens.filter { $0.value.expires > now }
                if tokens.count >= Self.capacity { tokens.removeAll() }
            }
            tokens[jwt] = token
        }
    }
}
