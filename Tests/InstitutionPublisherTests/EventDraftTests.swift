import ConsentFixtures
import ConsentModel
import Foundation
import InstitutionPublisher
import Testing

@Suite("An event draft: completed for its institution, checked as the ledger will check it", .timeLimit(.minutes(10)))
struct EventDraftTests {
    let now = t("2026-12-01T09:30:00.125Z")

    func line(_ object: [String: Any]) -> [UInt8] { Fixtures.bytes(object) }

    var minimal: [String: Any] {
        ["type": "consent.granted", "subject": "CI-1", "data": Fixtures.grant("c-1")]
    }

    @Test("fills the envelope, a fresh id and the current time; the producer sequence is drawn later")
    func fills() throws {
        let draft = try EventDraft(json: line(minimal), institution: "bank-a", now: now)
        #expect(draft.givenSequence == nil)
        #expect(draft.subject == "CI-1")
        let event = try Event.decode(draft.value(producerSequence: 7))
        #expect(event.source == "bank-a")
        #expect(event.time == now)
        #expect(event.producerSequence == 7)
        #expect(event.id == draft.id)
        #expect(UUID(uuidString: draft.id) != nil, "a fresh id is a UUID: \(draft.id)")
        let other = try EventDraft(json: line(minimal), institution: "bank-a", now: now)
        #expect(other.id != draft.id, "two drafts of the same line are two events")
    }

    @Test("keeps the id, time and producer sequence a producer gave")
    func keepsGiven() throws {
        var object = minimal
        object["id"] = "evt-42"
        object["time"] = "2026-11-30T00:00:00Z"
        object["producerseq"] = 12
        let draft = try EventDraft(json: line(object), institution: "bank-a", now: now)
        #expect(draft.givenSequence == 12)
        let event = try Event.decode(draft.value(producerSequence: 12))
        #expect(event.id == "evt-42")
        #expect(event.time == t("2026-11-30T00:00:00Z"))
    }

    @Test(
        "refuses what the ledger would reject, naming the field",
        arguments: [
            ("not JSON", "{\"type\": ", "not JSON: at byte 9, expected a value, found the end of the text"),
            ("an array", "[1, 2]", "the line is not a JSON object"),
            (
                "a repeated key", #"{"type":"consent.revoked","subject":"CI-1","subject":"CI-2","data":{}}"#,
                "subject: appears twice in the same object"
            ),
            (
                "another institution's event", #"{"source":"bank-b","type":"consent.revoked","subject":"CI-1","data":{}}"#,
                "source: is bank-b"
            ),
            ("an unknown type", #"{"type":"consent.sold","subject":"CI-1","data":{}}"#, "type: \"consent.sold\" is not an event type"),
            (
                "a missing data field",
                #"{"type":"consent.revoked","subject":"CI-1","data":{"consentId":"c-1","initiatedBy":"subject"}}"#, "data.effectiveAt"
            ),
            (
                "a producer sequence of 0",
                #"{"type":"consent.revoked","subject":"CI-1","producerseq":0,"data":{"consentId":"c-1","effectiveAt":"2026-05-01T00:00:00Z","initiatedBy":"subject"}}"#,
                "producerseq: must be 1 or more"
            ),
        ])
    func refuses(_ case: (String, String, String)) {
        let (_, json, message) = `case`
        do {
            _ = try EventDraft(json: Array(json.utf8), institution: "bank-a", now: now)
            Issue.record("accepted \(json)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }
}
