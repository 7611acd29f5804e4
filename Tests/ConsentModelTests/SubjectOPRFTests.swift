import ConsentModel
import Foundation
import Testing

/// RFC 9497, appendix A.3.2: VOPRF(P-384, SHA-384), key from seed `a3…a3` and key info "test key".
@Suite("Subject references by RFC 9497 VOPRF(P-384, SHA-384)")
struct SubjectOPRFTests {
    static let skSm = "051646b9e6e7a71ae27c1e1d0b87b4381db6d3595eeeb1adb41579adbf992f4278f9016eafc944edaa2b43183581779d"
    static let pkSm = "031d689686c611991b55f1a1d8f4305ccd6cb719446f660a30db61b7aa87b46acf59b7c0d4a9077b3da21c25dd482229a0"

    struct Vector {
        let input: [UInt8], blindedElement: String, evaluationElement: String, output: String
    }
    static let vectors = [
        Vector(
            input: [0x00],
            blindedElement: "02d338c05cbecb82de13d6700f09cb61190543a7b7e2c6cd4fca56887e564ea82653b27fdad383995ea6d02cf26d0e24d9",
            evaluationElement: "02a7bba589b3e8672aa19e8fd258de2e6aae20101c8d761246de97a6b5ee9cf105febce4327a326255a3c604f63f600ef6",
            output: "3333230886b562ffb8329a8be08fea8025755372817ec969d114d1203d026b4a622beab60220bf19078bca35a529b35c"),
        Vector(
            input: Array(repeating: 0x5a, count: 17),
            blindedElement: "02f27469e059886f221be5f2cca03d2bdc61e55221721c3b3e56fc012e36d31ae5f8dc058109591556a6dbd3a8c69c433b",
            evaluationElement: "03f16f903947035400e96b7f531a38d4a07ac89a80f89d86a1bf089c525a92c7f4733729ca30c56ce78b1ab4f7d92db8b4",
            output: "b91c70ea3d4d62ba922eb8a7d03809a441e1c3c7af915cbc2226f485213e895942cd0f8580e6d99f82221e66c40d274f"),
    ]

    static func bytes(_ hex: String) -> [UInt8] {
        stride(from: 0, to: hex.count, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16)! }
    }

    @Test("the RFC's key, evaluations and outputs come out of the ledger's code; references hash the output as documented")
    func rfcVectors() throws {
        let key = try SubjectOPRF.Key(rawRepresentation: Self.bytes(Self.skSm))
        #expect(key.publicKey.bytes == Self.bytes(Self.pkSm))
        for vector in Self.vectors {
            let subject = String(decoding: vector.input, as: UTF8.self)
            #expect(key.reference(of: subject) == SubjectReference(oprfOutput: Data(Self.bytes(vector.output))))
            // The evaluated element is the key times the blinded element: deterministic, unlike the proof.
            #expect(try key.evaluate(blindedElement: Self.bytes(vector.blindedElement)).element == Self.bytes(vector.evaluationElement))
        }
        // SHA-256("consent-ledger/subject-reference/v2" ‖ 0x00 ‖ output), by Python's hashlib.
        #expect(
            SubjectReference(oprfOutput: Data(Self.bytes(Self.vectors[0].output))).hex
                == "59b0c58c8db9d618e875a937cc1e85a312a726b1a3d273f5e99bdbdb217a354c")
        #expect(
            SubjectReference(oprfOutput: Data(Self.bytes(Self.vectors[1].output))).hex
                == "79d31d9b594ab01371cb703bb848ac72c46f07109286dbd76248cb858d13e978")
    }

    @Test("a citizen's blinded request gives their reference under the published key, and nothing else passes")
    func blindedProtocol() throws {
        let key = SubjectOPRF.Key()
        let request = try SubjectOPRF.Request(subject: "CI-KR-0001", publicKey: key.publicKey)
        #expect(request.blindedElement.count == 49)
        let answer = try key.evaluate(blindedElement: request.blindedElement)
        #expect(answer.element.count == 49 && answer.proof.count == 96)
        #expect(try request.reference(from: answer) == key.reference(of: "CI-KR-0001"))

        // Another key's honest evaluation, or this key's with a changed proof or element, is refused.
        let other = try SubjectOPRF.Key().evaluate(blindedElement: request.blindedElement)
        #expect(throws: ConsentModelError.self) { try request.reference(from: other) }
        var proof = answer.proof
        proof[95] ^= 1
        #expect(throws: ConsentModelError.self) { try request.reference(from: .init(element: answer.element, proof: proof)) }
        #expect(throws: ConsentModelError.self) { try request.reference(from: .init(element: other.element, proof: answer.proof)) }
    }

    @Test("answers built to make swift-crypto's proof check meet the identity point (where it traps) are refused instead")
    func identityTraps() throws {
        let one = [UInt8](repeating: 0, count: 47) + [1]
        // t3 ∝ s·C + c·D: with c = s = 1 and D = −C (the other compressed prefix), the identity.
        let key = SubjectOPRF.Key()
        let request = try SubjectOPRF.Request(subject: "CI-1", publicKey: key.publicKey)
        let negated = [request.blindedElement[0] ^ 1] + request.blindedElement.dropFirst()
        #expect(throws: ConsentModelError.self) { try request.reference(from: .init(element: negated, proof: one + one)) }
        // t2 = s·G + c·pk: a published key of −G (private key n − 1) with c = s = 1.
        let minusOne = try SubjectOPRF.Key(
            rawRepresentation: Self.bytes(
                "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52972"))
        let hostile = try SubjectOPRF.Request(subject: "CI-1", publicKey: minusOne.publicKey)
        let element = try minusOne.evaluate(blindedElement: hostile.blindedElement).element
        #expect(throws: ConsentModelError.self) { try hostile.reference(from: .init(element: element, proof: one + one)) }
        // Zero scalars.
        #expect(throws: ConsentModelError.self) {
            try request.reference(from: .init(element: request.blindedElement, proof: [UInt8](repeating: 0, count: 96)))
        }
    }

    @Test("keys and elements that are not P-384 points or scalars are refused with a reason, never a trap")
    func hostileBytes() throws {
        let key = SubjectOPRF.Key()
        for bad in [[], [UInt8](repeating: 0, count: 49), [0x02] + [UInt8](repeating: 0xff, count: 48), [UInt8](repeating: 7, count: 97)] {
            #expect(throws: ConsentModelError.self) { try key.evaluate(blindedElement: bad) }
            #expect(throws: ConsentModelError.self) { try SubjectOPRF.PublicKey(bytes: bad) }
        }
        #expect(throws: ConsentModelError.self) { try SubjectOPRF.Key(rawRepresentation: [1, 2, 3]) }
        #expect(try SubjectOPRF.Key(rawRepresentation: key.rawRepresentation).publicKey == key.publicKey)
    }
}
