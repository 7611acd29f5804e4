import Foundation

extension RegistryChange {
    /// The registry event carrying this change, as the registry authority publishes it: compact JSON with sorted keys.
    public func eventValue(id: String, source: String, time: Timestamp, producerSequence: Int64) -> [UInt8] {
        let envelope = Envelope(
            specversion: "1.0", id: id, source: source, type: type.rawValue, time: time.description, dataschema: type.schema,
            datacontenttype: "application/json", producerseq: producerSequence, data: Data(self))
        // Cannot fail: strings, integers and lists of them.
        return try! CanonicalJSON.encode(envelope)
    }

    private struct Envelope: Encodable {
        let specversion, id, source, type, time, dataschema, datacontenttype: String
        let producerseq: Int64
        let data: Data
    }

    private struct Data: Encodable {
        var institution: String?
        var name: String?
        var roles: [String]?
        var keyId: String?
        var publicKey: String?
        var rules: String?
        var partitionCount: Int32?

        init(_ change: RegistryChange) {
            switch change {
            case .institutionRegistered(let id, let name, let roles):
                (institution, self.name, self.roles) = (id, name, roles.map(\.rawValue))
            case .keyAdded(let id, let key, let raw):
                (institution, keyId, publicKey) = (id, key, Foundation.Data(raw).base64EncodedString())
            case .keyRetired(let key):
                keyId = key
            case .rolesChanged(let id, let roles):
                (institution, self.roles) = (id, roles.map(\.rawValue))
            case .rulesChanged(let name, let count):
                (rules, partitionCount) = (name, count)
            }
        }
    }
}
