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
        /// swift-crypto's key is an immutable value without a Sendable conformance of its own.
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
    public struct Request {
        private let blinded: P384._VOPRF.BlindedInput
        private let publicKey: P384._VOPRF.PublicKey

        public init(subject: String, publicKey: PublicKey) throws {
            self.publicKey = try P384._VOPRF.PublicKey(compressedRepresentation: publicKey.bytes)
            blinded = try self.publicKey.blind(Array(subject.utf8))
        }

        /// What goes to the ledger: 49 bytes that say nothing about the identifier.
        public var blindedElement: [UInt8] { Array(blinded.blindedElement.oprfRepresentation) }

        /// The reference, once the proof shows the ledger's published key made `evaluation`; otherwise an error.
        public func reference(from evaluation: Evaluation) throws -> SubjectReference {
            do {
                let answer = try P384._VOPRF.BlindEvaluation(rawRepresentation: evaluation.element + evaluation.proof)
                return SubjectReference(oprfOutput: try publicKey.finalize(blinded, using: answer))
            } catch {
                throw ConsentModelError(
                    .invalidValue,
                    "the ledger's evaluation does not prove it used its published subject key: the reference it implies is not yours")
            }
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
