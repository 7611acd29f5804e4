import APITokens
import Testing

@Suite("issuer key sets", .timeLimit(.minutes(10)))
struct TokenIssuerKeySetTests {
    @Test("a key set names each key's kid, iss and roles; a key without roles may mint every role")
    func keySet() throws {
        let issuers = try TokenIssuer.keySet(
            Array(
                #"""
                {"keys":[
                  {"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"idp","iss":"https://id.example","roles":["citizen"]},
                  {"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"fsc","iss":"https://fsc.example"}
                ]}
                """#.utf8))
        #expect(issuers.map(\.keyID) == ["idp", "fsc"])
        #expect(issuers.map(\.issuer) == ["https://id.example", "https://fsc.example"])
        #expect(issuers[0].roles == [.citizen])
        #expect(issuers[1].roles == Set(APIToken.Role.allCases))
    }

    @Test(
        "a key set that cannot be used is refused, saying which key and why",
        arguments: [
            (
                #"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","iss":"idp"}]}"#,
                "key 1 has no kid"
            ),
            (
                #"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"a"}]}"#,
                "key 1 (a) has no iss"
            ),
            (#"{"keys":[{"kty":"RSA","kid":"a","iss":"idp"}]}"#, "key 1 (a) is not an Ed25519 public key"),
            (
                #"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"a","iss":"i","roles":["admin"]}]}"#,
                "role \"admin\""
            ),
            (
                #"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"a","iss":"i"},{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"a","iss":"j"}]}"#,
                "kid a is listed twice"
            ),
            (
                // Found by the fuzzer: once accepted, as a key that could mint no token at all.
                #"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"a","iss":"i","roles":[]}]}"#,
                "key 1 (a) lists no roles"
            ),
            (#"{"keys":[]}"#, "lists no keys"), ("[]", "is not a JSON Web Key Set"),
        ])
    func unusableKeySets(jwks: String, reason: String) throws {
        let error = try #require(throws: TokenError.self) { try TokenIssuer.keySet(Array(jwks.utf8)) }
        #expect(error.code == .unusableKeySet)
        #expect(error.reason.contains(reason), "\(error)")
    }
}
