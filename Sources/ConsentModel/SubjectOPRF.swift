import Crypto
import CryptoExtras
import Foundation

/// RFC 9497's VOPRF with P-384 and SHA-384, as ConsentLedger derives subject references from it: the ledger holds the
/// key; a citizen obtains their own reference by the blinded protocol and checks the ledger's proof against its
/// published public key, so the ledger can neither learn which identifier was asked about nor answer with a reference
/// of its choosing. A reference is `SHA-256("consent-ledger/subject-reference/v2" ‖ 0x00 ‖ output)` of the 48-byte
/// VOPRF output of the subject identifier's UTF-8 bytes (docs/ledger-format.md, subject references).
public enum SubjectOPRF {
    /// The ledger's VOPRF key.
    public struct Key: Sendable {
        /// swift-crypto's key is an immutable value, without a Sendable conformance of its own.
        private struct Box: @unchecked Sendable { let key: P384._VOPRF.PrivateKey }
        private let box: Box

        /// A new random key.
        public init() { box = Box(key: P384._VOPRF.PrivateKey(compactRepresentable: false)) }

        /// The 48-byte big-endian scalar, as `rawRepresentation` gives it.
        public init(rawRepresentation bytes: [UInt8]) throws {
            do { box = Box(key: try P384._VOPRF.PrivateKey(rawRepresentation: bytes)) } catch {
                throw ConsentModelError(.invalidValue, "a subject VOPRF key is a 48-byte P-384 scalar, not these \(bytes.count) bytes")
            }
        }

        public var rawRepresentation: [UInt8] { Array(box.key.rawRepresentation) }
        public var publicKey: PublicKey { PublicKey(key: box.key.publicKey) }

        /// The subject's reference, evaluated directly (no blinding, no proof: the ledger's own use).
        public func reference(of subject: String) -> SubjectReference {
            // Cannot fail: any byte string hashes to the curve.
            SubjectReference(oprfOutput: try! box.key.evaluate(Array(subject.utf8)))
        }

        /// Evaluates a citizen's blinded element (49 bytes, compressed) with a proof that this key did it.
        public func evaluate(blindedElement bytes: [UInt8]) throws -> Evaluation {
            let element: P384._VOPRF.BlindedElement
            do { element = try P384._VOPRF.BlindedElement(oprfRepresentation: bytes) } catch {
                throw ConsentModelError(
                    .invalidValue, "a blinded element is a 49-byte compressed P-384 point, and these \(bytes.count) bytes are none")
            }
            let evaluation = try box.key.evaluate(element)
            return Evaluation(
                element: Array(evaluation.evaluatedElement.oprfRepresentation), proof: Array(evaluation.proof.rawRepresentation))
        }
    }

    /// The public half, which citizens and regulators hold: 49 bytes, a compressed P-384 point.
    public struct PublicKey: Sendable, Equatable {
        public let bytes: [UInt8]

        init(key: P384._VOPRF.PublicKey) { bytes = Array(key.oprfRepresentation) }

        public init(bytes: [UInt8]) throws {
            guard bytes.count == 49, (try? P384._VOPRF.PublicKey(compressedRepresentation: bytes)) != nil else {
                throw ConsentModelError(.invalidValue, "a subject VOPRF public key is a 49-byte compressed P-384 point")
            }
            self.bytes = bytes
        }
    }

    /// The ledger's answer to a blinded element: the evaluated element (49 bytes) and the DLEQ proof `c ‖ s` (96 bytes).
    public struct Evaluation: Sendable, Equatable {
        public let element: [UInt8]
        public let proof: [UInt8]

        public init(element: [UInt8], proof: [UInt8]) {
            self.element = element
            self.proof = proof
        }
    }

    /// A citizen's side of the protocol for one identifier: the blinded element to send, kept until the answer.
    public struct Request: Sendable {
        /// swift-crypto's values are immutable, without Sendable conformances of their own.
        private struct Box: @unchecked Sendable {
            let blinded: P384._VOPRF.BlindedInput
            let publicKey: P384._VOPRF.PublicKey
        }
        private let box: Box

        public init(subject: String, publicKey: PublicKey) throws {
            let key = try P384._VOPRF.PublicKey(compressedRepresentation: publicKey.bytes)
            box = Box(blinded: try key.blind(Array(subject.utf8)), publicKey: key)
        }

        /// What goes to the ledger: 49 bytes that say nothing about the identifier.
        public var blindedElement: [UInt8] { Array(box.blinded.blindedElement.oprfRepresentation) }

        /// The reference, once the proof shows the ledger's published key made `evaluation`; otherwise an error.
        public func reference(from evaluation: Evaluation) throws -> SubjectReference {
            guard cannotTrapTheProofCheck(evaluation) else {
                throw ConsentModelError(
                    .invalidValue,
                    "the ledger's evaluation does not prove it used its published subject key: the reference it implies is not yours")
            }
            do {
                let answer = try P384._VOPRF.BlindEvaluation(rawRepresentation: evaluation.element + evaluation.proof)
                return SubjectReference(oprfOutput: try box.publicKey.finalize(box.blinded, using: answer))
            } catch {
                throw ConsentModelError(
                    .invalidValue,
                    "the ledger's evaluation does not prove it used its published subject key: the reference it implies is not yours")
            }
        }

        /// swift-crypto 4.5.2 checks a proof `c ‖ s` by computing `t2 = s·G + c·pk` and `t3 = s·M + c·Z` (with `M`, `Z`
        /// the blinded and evaluated elements times one hash-derived weight) and traps (`try!`) when a point it
        /// serializes is the identity, which a hostile server can arrange. A sum of two points is the identity only if
        /// both share an x-coordinate, which key agreement computes: such answers, and zero or out-of-range scalars,
        /// are refused before the check. An honest proof is never refused (the odds are 2^-384).
        private func cannotTrapTheProofCheck(_ evaluation: Evaluation) -> Bool {
            func x(_ scalar: P384.KeyAgreement.PrivateKey, times point: P384.KeyAgreement.PublicKey) -> [UInt8]? {
                (try? scalar.sharedSecretFromKeyAgreement(with: point)).map { $0.withUnsafeBytes { Array($0) } }
            }
            guard evaluation.element.count == 49, evaluation.proof.count == 96,
                let c = try? P384.KeyAgreement.PrivateKey(rawRepresentation: evaluation.proof.prefix(48)),
                let s = try? P384.KeyAgreement.PrivateKey(rawRepresentation: evaluation.proof.suffix(48)),
                let key = try? P384.KeyAgreement.PublicKey(compressedRepresentation: box.publicKey.compressedRepresentation),
                let blinded = try? P384.KeyAgreement.PublicKey(compressedRepresentation: blindedElement),
                let evaluated = try? P384.KeyAgreement.PublicKey(compressedRepresentation: evaluation.element),
                let cKey = x(c, times: key), let sBlinded = x(s, times: blinded), let cEvaluated = x(c, times: evaluated)
            else { return false }
            let sG = Array(s.publicKey.x963Representation.dropFirst().prefix(48))
            return sG != cKey && sBlinded != cEvaluated
        }
    }
}

extension SubjectReference {
    static let oprfDomain = Array("consent-ledger/subject-reference/v2".utf8) + [0]

    /// The reference a VOPRF output stands for.
    public init(oprfOutput: Data) {
        bytes = Array(SHA256.hash(data: Self.oprfDomain + Array(oprfOutput)))
    }
}
