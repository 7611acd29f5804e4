import LedgerFormat
import Testing

@Suite("the names of what ledgerd publishes", .timeLimit(.minutes(10)))
struct WireNameTests {
    @Test("a checkpoints-topic key reads back as what it was written as, whatever a witness is called")
    func checkpointsTopicKeys() {
        let origin = LedgerOrigin.of(ledgerName: "consent-ledger.local", topic: LedgerTopic.events, partition: 3)
        #expect(origin == "consent-ledger.local/consent-ledger.events.v1/3")
        let keys: [CheckpointsTopicKey] = [
            .log(origin: origin), .subjectMap(origin: origin), .cosignature(origin: origin, witness: "witness.example"),
            .cosignature(origin: origin, witness: "odd/subject-map"),
        ]
        #expect(
            keys.map(\.key) == [
                origin, origin + "/subject-map", origin + "/cosigned-by/witness.example", origin + "/cosigned-by/odd/subject-map",
            ])
        for key in keys { #expect(CheckpointsTopicKey(key.key) == key) }
    }
}
