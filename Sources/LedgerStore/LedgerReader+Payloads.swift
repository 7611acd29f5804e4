import Foundation

extension LedgerReader {
    /// A stored payload as a reader hands it out: in the clear, or gone (and why).
    struct OpenedPayload {
        var value: [UInt8]?
        /// The stored-headers encoding; `nil` when gone.
        var headers: [UInt8]?
        var redacted: Bool
        var erasedBy: UInt64?

        static let unreadable = OpenedPayload(value: nil, headers: nil, redacted: true, erasedBy: nil)
    }

    /// Opens a payload row: one sealed under a data key (`keyID`) is opened with it; one erased is gone, with the leaf
    /// that ordered it; one whose key is destroyed, or that does not open, is gone without one (which a verifier calls
    /// tampering). A row without a key number was written in the clear, before ledgers sealed their payloads.
    func openPayload(index: UInt64, value: [UInt8]?, headers: [UInt8]?, redacted: Bool, keyID: Int64?, erasedBy: Int64?) throws
        -> OpenedPayload
    {
        if let erasedBy {
            return OpenedPayload(value: nil, headers: nil, redacted: true, erasedBy: try Self.index(erasedBy, "erasing leaf index"))
        }
        guard let keyID else { return OpenedPayload(value: value, headers: headers, redacted: redacted, erasedBy: nil) }
        guard let keys else {
            throw LedgerStoreError(
                .sealed,
                "the records of \(origin) are sealed at rest: read them with the data directory's key store and its master key")
        }
        guard let key = try keys.key(id: keyID) else { return .unreadable }
        let clearValue = value.map { SealedPayload.open(Data($0), .value, key: key, origin: origin, index: index) }
        let clearHeaders = headers.map { SealedPayload.open(Data($0), .headers, key: key, origin: origin, index: index) }
        // A part that is stored but does not open makes the whole payload unreadable.
        if clearValue == .some(nil) || clearHeaders == .some(nil) { return .unreadable }
        return OpenedPayload(value: clearValue ?? nil, headers: clearHeaders ?? nil, redacted: redacted, erasedBy: nil)
    }
}
