import ConsentModel
import Foundation
import GRDB
import LedgerFormat

extension PartitionLedger {
    /// A record's payload to seal: its leaf's index, its subject, its value and its headers (stored-headers encoding).
    typealias ClearPayload = (index: UInt64, subject: SubjectReference?, value: [UInt8]?, headers: [UInt8])

    /// A payload as stored: each part sealed, and the number of the key they are sealed under.
    typealias Sealed = (value: Data?, headers: Data, keyID: Int64)

    /// The owner of the key a record's payload is sealed under: its subject, or for a record of no subject, this ledger.
    func keyOwner(_ subject: SubjectReference?) -> PayloadKeys.Owner {
        subject.map { .subject($0) } ?? .ledger(origin)
    }

    /// Seals each payload's value and headers under its owner's data key (made, and on disk, before anything is sealed
    /// under it).
    func seal(_ payloads: [ClearPayload]) throws -> [Sealed] {
        let dataKeys = try keys.sealingKeys(for: Set(payloads.map { keyOwner($0.subject) }))
        return try payloads.map { payload in
            guard let dataKey = dataKeys[keyOwner(payload.subject)] else {
                throw LedgerStoreError(.corrupt, "the key store gave no key for a record's owner")
            }
            func seal(_ bytes: [UInt8], _ part: SealedPayload.Part) throws -> Data {
                try SealedPayload.seal(bytes, part, key: dataKey.key, origin: origin, index: payload.index)
            }
            return (try payload.value.map { try seal($0, .value) }, try seal(payload.headers, .headers), dataKey.id)
        }
    }

    /// Seals the payloads a ledger stored in the clear before ledgers sealed them, a batch at a time, and returns how
    /// many it sealed (none once done). Their leaves are untouched: the same bytes, now sealed.
    public func sealPayloadsStoredInTheClear() throws -> Int {
        var sealed = 0
        while true {
            let batch = try database.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT payload.idx, leaf.subject, payload.value, payload.headers FROM payload JOIN leaf USING (idx)
                        WHERE payload.key_id IS NULL AND payload.redacted = 0 ORDER BY payload.idx LIMIT 10000
                        """
                ).map { row -> ClearPayload in
                    let subject: Data? = try row.decode(atIndex: 1)
                    let value: Data? = try row.decode(atIndex: 2)
                    let headers: Data = try row.decode(atIndex: 3)
                    return (
                        try LedgerReader.index(row, 0), subject.flatMap { SubjectReference(bytes: Array($0)) }, value.map(Array.init),
                        Array(headers)
                    )
                }
            }
            guard !batch.isEmpty else { return sealed }
            let payloads = try seal(batch)
            try database.write { db in
                for (clear, payload) in zip(batch, payloads) {
                    try db.execute(
                        sql: "UPDATE payload SET value = ?, headers = ?, key_id = ? WHERE idx = ?",
                        arguments: [payload.value, payload.headers, payload.keyID, Int64(clear.index)])
                }
            }
            sealed += batch.count
        }
    }
}
