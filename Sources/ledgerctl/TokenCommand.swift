import APITokens
import ArgumentParser
import Crypto
import Foundation
import LedgerIdentity
import Logging

/// Mints API tokens with the development issuer key ledgerd keeps in its data directory.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint a development API token (a JWT) for a citizen, an institution or a regulator.",
        discussion: """
            Signs with the development issuer key that ledgerd creates in its data directory when it runs without \
            --token-keys. For development and demos only: in production an identity provider issues the tokens.
              TOKEN=$(ledgerctl token --role citizen --subject CI-1234)
              curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/v1/me/accesses
              ledgerctl token --role institution --subject mydata-op-1
              ledgerctl token --role regulator --subject fsc-auditor --valid-for 600
            The token is printed alone on standard output.
            """
    )

    @Option(help: "citizen, institution or regulator.")
    var role: APIToken.Role

    @Option(help: "Whom the token is for: the data subject's identifier (citizen), the institution id, or the regulator's name.")
    var subject: String

    @Option(help: "ledgerd's data directory, where the development issuer key is.")
    var dataDir: String = "data"

    @Option(help: "Seconds until the token expires; ledgerd accepts at most its --token-max-lifetime (default 3600).")
    var validFor: Int = 3600

    @Option(help: "The API the token is for: ledgerd's --token-audience.")
    var audience: String = TokenPolicy.defaultAudience

    func validate() throws {
        guard !subject.isEmpty else { throw ValidationError("--subject must not be empty") }
        guard (1...31_622_400).contains(validFor) else { throw ValidationError("--valid-for is seconds, from 1 to 31,622,400 (366 days)") }
    }

    func run() async throws {
        let key: Curve25519.Signing.PrivateKey
        do {
            key = try LedgerIdentity.developmentTokenIssuer(
                in: URL(fileURLWithPath: dataDir, isDirectory: true), create: false, logger: Logger(label: "ledgerctl"))
        } catch {
            throw failure("\(error)")
        }
        let token = APIToken(
            role: role, subject: subject, issuer: LedgerIdentity.developmentTokenIssuerName, audience: audience, lifetime: Double(validFor))
        emit(try await TokenVerifier.sign(token, with: key, kid: LedgerIdentity.developmentTokenKeyID))
    }
}

extension APIToken.Role: ExpressibleByArgument {}
