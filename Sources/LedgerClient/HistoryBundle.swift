public import ConsentModel
public import Crypto
import Foundation
import LedgerFormat
import MerkleLog

/// A citizen's whole proven history in one file (docs/ledger-format.md §13): what `GET /v1/me/bundle` serves and
/// `ledgerctl history --save` keeps, checkable offline with the ledger's key and a trust policy.
public struct HistoryBundle: Sendable {
    public static let format = "consent-ledger/history-bundle/v1"
    /// The largest bundle read: a citizen with 10,000 entries makes about 25 MB (docs/performance.md).
    public static let maximumSize = 256 * 1024 * 1024

    let content: Components.Schemas.HistoryBundle

    /// The citizen the bundle is about, as their token named them.
    public var subject: String { content.subject }

    init(_ content: Components.Schemas.HistoryBundle) throws {
        guard content.format == Self.format else {
            throw LedgerClientError(.malformedAnswer, "the bundle's format is \"\(content.format.prefix(64))\", not \(Self.format)")
        }
        self.content = content
    }

    /// Reads a bundle's JSON; its checks are ``check(ledgerKey:witnessPolicy:subjectKey:)``'s.
    public init(json bytes: [UInt8]) throws {
        guard bytes.count <= Self.maximumSize else {
            throw LedgerClientError(.malformedAnswer, "the bundle is \(bytes.count) bytes, over the \(Self.maximumSize) a bundle may have")
        }
        let content: Components.Schemas.HistoryBundle
        do {
            content = try JSONDecoder().decode(Components.Schemas.HistoryBundle.self, from: Data(bytes))
        } catch {
            throw LedgerClientError(.malformedAnswer, "this is not a history bundle's JSON (docs/ledger-format.md §13): \(error)")
        }
        try self.init(content)
    }

    /// The bundle as a file holds it: JSON with sorted keys, no spaces.
    public var json: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Cannot fail: every member is a string, a number, an array or an object of them.
        return Array(try! encoder.encode(content))
    }

    /// Checks the bundle under `ledgerKey`, and `witnessPolicy`'s quorum if given: one subject key names the citizen in
    /// every ledger, each ledger's entries are the citizen's whole history at its checkpoint with every leaf at its
    /// proven index, every record is the one its leaf commits to and names ``subject``, and the subject key statement
    /// (if any) is the ledger's and states `subjectKey` (if given). Returns the proven history, every access of it.
    ///
    /// What this cannot check offline is that the subject key is the citizen's own: that takes the blinded protocol
    /// with the ledger (``CitizenHistory/fetch(from:token:ledgerKey:witnessPolicy:subject:)``, `ledgerctl history
    /// --subject`), whose blind is not kept.
    public func check(ledgerKey: Curve25519.Signing.PublicKey, witnessPolicy: String?, subjectKey: SubjectOPRF.PublicKey?) throws
        -> CitizenHistory
    {
        if let statement = content.subjectKeyStatement {
            let stated: SubjectOPRF.PublicKey
            do { stated = try SubjectKeyStatement(verifying: statement, ledgerKey: ledgerKey).key } catch let error as LedgerFormatError {
                throw LedgerClientError(.unproven, "the bundle's subject key statement: \(error.reason)")
            }
            if let subjectKey, stated != subjectKey {
                throw LedgerClientError(.unproven, "the bundle's subject key statement states another key than the trust policy's")
            }
        }
        let keys = Set(content.ledgers.map(\.subjectKey))
        guard keys.count <= 1 else {
            throw LedgerClientError(.unproven, "the ledgers name the citizen by \(keys.count) different subject keys")
        }
        guard Set(content.ledgers.map(\.ledger)).count == content.ledgers.count else {
            throw LedgerClientError(.unproven, "the bundle answers for one ledger twice")
        }
        let trust = CitizenHistory.Trust(ledgerKey: ledgerKey, witnessPolicy: witnessPolicy)
        var ledgers: [CitizenHistory.ProvenLedger] = []
        var accesses: [CitizenHistory.Access] = []
        for answer in content.ledgers {
            guard answer.nextCursor == nil else {
                throw LedgerClientError(.unproven, "\(answer.ledger): a bundle's answer has every entry, with no cursor to more")
            }
            let proven = try CitizenHistory.CheckedCheckpoints(answer, under: trust).prove(
                answer.entries, subject: content.subject, inclusion: true)
            // References by VOPRF come with the ledger's statement of its key, and a policy's key must be the one stated.
            guard content.subjectKeyStatement != nil || (subjectKey == nil && !proven.leaves.values.contains { $0.subjectScheme == .voprf })
            else { throw LedgerClientError(.unproven, "the bundle lacks the ledger's subject key statement") }
            ledgers.append(proven.summary)
            accesses += try proven.provenAccesses()
        }
        return CitizenHistory(accesses: accesses, ledgers: ledgers, pending: content.pending, isWitnessed: witnessPolicy != nil)
    }
}
