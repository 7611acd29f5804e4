import Foundation
import LedgerIdentity
import LedgerStore

/// The key store of a data directory ledgerd made, opened read-only with its master key: what a test needs to read
/// the records its ledgers sealed.
func dataDirectoryKeys(_ dataDir: String) throws -> PayloadKeys {
    let directory = URL(fileURLWithPath: dataDir, isDirectory: true)
    return try PayloadKeys(
        path: directory.appendingPathComponent(LedgerIdentity.payloadKeysFile).path,
        masterKey: LedgerIdentity.existingMasterKey(in: directory), readingOnly: true)
}
