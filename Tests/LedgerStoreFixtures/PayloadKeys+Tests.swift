import Crypto
import Foundation
import LedgerStore

extension PayloadKeys {
    /// A key store of its own in `directory`, under a master key made for it.
    public static func inTests(_ directory: URL) throws -> PayloadKeys {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try PayloadKeys(path: directory.appendingPathComponent("payload-keys.db").path, masterKey: SymmetricKey(size: .bits256))
    }
}
