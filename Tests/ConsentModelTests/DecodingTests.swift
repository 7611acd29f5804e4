import ConsentFixtures
import ConsentModel
import Crypto
import Foundation
import Testing

@Suite("Strict decoding", .timeLimit(.minutes(10)))
struct DecodingTests {
    let base = Fixtures.envelope(
        type: "consent.granted", id: "e1", source: "bank-a", seq: 1, time: "2026-03-01T00:00:00Z", data: Fixtures.grant("c1"))

    func decode(_ json: String) throws -> Event { try Event.decode(Array(json.utf8)) }

    @Test("a value over 64 KiB is refused before it is parsed")
    func oversized() {
        let error = #expect(throws: ConsentModelError.self) { try Event.decode([UInt8](repeating: 0x20, count: Event.maximumSize + 1)) }
        #expect(error?.code == .oversized)
        #expect(error?.reason == "the event is 65537 bytes, over the limit of 65536")
    }

    @Test("text that is not JSON, or not an object, is malformed")
    func notJSON() {
        #expect((#expect(throws: ConsentModelError.self) { try decode("{\"id\":") })?.code == .malformedJSON)
        #expect((#expect(throws: ConsentModelError.self) { try decode("[1,2]") })?.code == .malformedJSON)
    }

    @Test(
        "text that is not JSON is refused with the byte where it stops being JSON and what was expected there",
        arguments: [
            ("garbage\n", "at byte 0, expected a value (an object, array, string, number, true, false or null), found 'g'"),
            (#"{"id":"#, "at byte 6, expected a value, found the end of the text"),
            (#"{"id" "e1"}"#, "at byte 6, expected ':' after the member name, found '\"'"),
            (#"{"a":1,}"#, "at byte 7, expected a member name in double quotes, found '}'"),
            (#"{"a":[1 2]}"#, "at byte 8, expected ',' or ']' after an element, found '2'"),
            (#"{"a":01}"#, "at byte 6, expected ',' or '}' after a member, found '1'"),
            (#"{"a":1.}"#, "at byte 7, expected a digit after the decimal point, found '}'"),
            (#"{"a":tru}"#, "at byte 8, expected true, found '}'"),
            (#"{"a":"x\qy"}"#, #"at byte 8, expected one of \" \\ \/ \b \f \n \r \t \u after '\', found 'q'"#),
            (#"{"a":"\udc00"}"#, "at byte 6, expected a high surrogate (\\uD800 to \\uDBFF) before a low one, found '\\'"),
            (#"{"a":"\ud800x"}"#, "at byte 12, expected a low surrogate escape (\\uDC00 to \\uDFFF) after a high one, found 'x'"),
            (
                "{\"a\":\"tab\there\"}",
                "at byte 9, expected a character, not a control character (escape it) inside a string, found byte 0x9"
            ),
            ("\u{FEFF}{}", "at byte 0, expected a value (an object, array, string, number, true, false or null), found byte 0xEF"),
            ("{} {}", "at byte 3, expected the end of the text after the value, found '{'"),
            (String(repeating: "[", count: 65) + String(repeating: "]", count: 65), "at byte 64, expected no more than 64 nested"),
        ])
    func syntaxErrors(text: String, expected: String) {
        let error = #expect(throws: ConsentModelError.self) { try decode(text) }
        #expect(error?.code == .malformedJSON)
        #expect(error?.reason.hasPrefix("not JSON: " + expected) == true, "\(error?.reason ?? "")")
    }

    @Test("bytes that are not UTF-8 are refused at the first such byte")
    func notUTF8() {
        let error = #expect(throws: ConsentModelError.self) {
            try Event.decode(Array(#"{"id":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8))
        }
        #expect(error?.reason == "not JSON: the byte at offset 7 is not UTF-8")
    }

    @Test("text the sender chose is echoed at most 128 bytes long, with the length and SHA-256 of the whole")
    func echoesAreCapped() throws {
        #expect(EchoedText.capped("short") == "short")
        let long = String(repeating: "키", count: 50)  // 150 bytes: 42 whole scalars fit in 128
        #expect(
            EchoedText.capped(long)
                == String(repeating: "키", count: 42) + "… (150 bytes, SHA-256 "
                + SHA256.hash(data: Array(long.utf8)).map { String(format: "%02x", $0) }.joined() + ")")
        var event = base
        event["type"] = String(repeating: "x", count: 60_000)
        let error = #expect(throws: ConsentModelError.self) { try Event.decode(Fixtures.bytes(event)) }
        #expect(error.map { $0.description.utf8.count < 400 } == true, "\(error?.description.prefix(300) ?? "")")
        var member = base
        member[String(repeating: "k", count: 10_000)] = 1
        let unknown = #expect(throws: ConsentModelError.self) { try Event.decode(Fixtures.bytes(member)) }
        #expect(unknown.map { $0.path.utf8.count < 250 } == true)
    }

    @Test("a key repeated in a nested object, even spelled with an escape, is refused with its path")
    func duplicateKeys() throws {
        var text = String(decoding: Fixtures.bytes(base), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"uri\":", with: "\"ur\\u0069\":\"x\",\"uri\":")
        let error = #expect(throws: ConsentModelError.self) { try decode(text) }
        #expect(error?.code == .malformedJSON)
        #expect(error?.path == "data.notice.uri")
        // The same key in two different objects is fine.
        _ = try Event.decode(Fixtures.bytes(base))
    }

    @Test("a repeated key's path names the array elements it is in")
    func duplicateKeyPaths() throws {
        #expect(try JSONSyntax.check(Array(#"{"k":1,"k":2}"#.utf8)) == "k")
        #expect(try JSONSyntax.check(Array(#"{"a":[{"x":1},{"y":1,"y":2}]}"#.utf8)) == "a[1].y")
        #expect(try JSONSyntax.check(Array(#"{"a":{"b":{}},"c":[[],{"d":"}","e":{"d":1},"d":1}]}"#.utf8)) == "c[1].d")
        #expect(try JSONSyntax.check(Array(#"{"a":[{"x":1},{"x":2}],"b":{"x":3}}"#.utf8)) == nil)
        #expect(try JSONSyntax.check(Array(#"{"\ud83d\ude00":1,"😀":2}"#.utf8)) == "😀")
    }

    @Test("validUntil must be later than validFrom")
    func window() {
        var event = base
        event["data"] = Fixtures.grant("c1", from: "2026-03-01T00:00:00Z", until: "2026-03-01T00:00:00Z")
        let error = #expect(throws: ConsentModelError.self) { try Event.decode(Fixtures.bytes(event)) }
        #expect(error?.path == "data.validUntil")
    }

    @Test("producerseq must be a positive integer", arguments: [0, -5] as [Int64])
    func sequence(value: Int64) {
        var event = base
        event["producerseq"] = value
        let error = #expect(throws: ConsentModelError.self) { try Event.decode(Fixtures.bytes(event)) }
        #expect(error?.code == .invalidValue)
        #expect(error?.reason == "must be 1 or more, not \(value)")
    }

    @Test("lengths count characters, not bytes; codes and the notice hash are ASCII only")
    func lengthsAndAlphabets() throws {
        func refusal(_ change: (inout [String: Any]) -> Void) -> String? {
            var event = base
            change(&event)
            return (#expect(throws: ConsentModelError.self) { try Event.decode(Fixtures.bytes(event)) })?.description
        }
        var event = base
        event["id"] = String(repeating: "동", count: 128)  // 384 bytes, 128 characters: within the limit
        #expect(try Event.decode(Fixtures.bytes(event)).id.count == 128)
        #expect(refusal { $0["id"] = String(repeating: "동", count: 129) } == "id: is 129 characters, over the limit of 128")
        // Characters as JSON Schema counts them: one grapheme of a letter and 200 combining marks is 201.
        #expect(
            refusal { $0["id"] = "e" + String(repeating: "\u{301}", count: 200) } == "id: is 201 characters, over the limit of 128")
        func grant(_ change: @escaping (inout [String: Any]) -> Void) -> (inout [String: Any]) -> Void {
            { event in
                var data = event["data"] as! [String: Any]
                change(&data)
                event["data"] = data
            }
        }
        let hashRefusal = "data.notice.sha256: must be 64 lowercase hex digits"
        for hash in [String(repeating: "AB", count: 32), String(repeating: "a", count: 63), String(repeating: "g", count: 64)] {
            #expect(refusal(grant { $0["notice"] = ["uri": "https://n.example/1", "sha256": hash] }) == hashRefusal)
        }
        #expect(
            refusal(grant { $0["purposes"] = ["financial-overview", String(repeating: "a", count: 129)] })?.hasPrefix("data.purposes[1]: ")
                == true)
        #expect(refusal(grant { $0["purposes"] = ["ｍarketing"] })?.hasPrefix("data.purposes[0]: \"ｍarketing\" is not a code") == true)
        #expect(refusal(grant { $0["dataCategories"] = ["finance..balance"] })?.hasPrefix("data.dataCategories[0]: ") == true)
    }

    @Test("an optional member is absent or as the schema says, never null (the differential check against the schemas found this)")
    func optionalNotNull() {
        var event = base
        var data = event["data"] as! [String: Any]
        data["retention"] = NSNull()
        event["data"] = data
        let error = #expect(throws: ConsentModelError.self) { try Event.decode(Fixtures.bytes(event)) }
        #expect(error?.description == "data.retention: must be a string, not null")
    }

    @Test("true is not an integer and 7 is not a string")
    func types() {
        var event = base
        event["producerseq"] = true
        #expect((#expect(throws: ConsentModelError.self) { try Event.decode(Fixtures.bytes(event)) })?.code == .wrongType)
        event = base
        event["id"] = 7
        let error = #expect(throws: ConsentModelError.self) { try Event.decode(Fixtures.bytes(event)) }
        #expect(error?.description == "id: must be a string")
    }
}

@Suite("RFC 3339 timestamps", .timeLimit(.minutes(10)))
struct TimestampTests {
    @Test(
        "valid forms give the same instant however they are written",
        arguments: [
            ("2026-11-23T09:00:00Z", "2026-11-23T09:00:00Z"), ("2026-11-23t09:00:00z", "2026-11-23T09:00:00Z"),
            ("2026-11-23T18:00:00+09:00", "2026-11-23T09:00:00Z"), ("2026-11-23T08:30:00-00:30", "2026-11-23T09:00:00Z"),
            ("2024-02-29T23:59:59.123456789Z", "2024-02-29T23:59:59.123456789Z"), ("1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.5Z"),
            ("2000-03-01T00:00:00.100Z", "2000-03-01T00:00:00.1Z"),
        ])
    func valid(text: String, canonical: String) throws {
        let timestamp = try #require(Timestamp(rfc3339: text))
        #expect(timestamp.description == canonical)
        #expect(Timestamp(rfc3339: canonical) == timestamp)
    }

    @Test("the epoch is zero and milliseconds convert exactly")
    func epoch() {
        #expect(Timestamp(rfc3339: "1970-01-01T00:00:00Z")?.nanoseconds == 0)
        #expect(Timestamp(milliseconds: 1_763_888_400_000) == Timestamp(rfc3339: "2025-11-23T09:00:00Z"))
    }

    @Test("the last instant 64-bit nanoseconds hold parses; the next ones, and milliseconds beyond it, are refused")
    func range() {
        #expect(Timestamp(rfc3339: "2262-04-11T23:47:16.854775807Z")?.nanoseconds == .max)
        #expect(Timestamp(rfc3339: "2262-04-11T23:47:16.854775808Z") == nil)
        #expect(Timestamp(rfc3339: "2262-04-11T23:47:16.9Z") == nil)
        #expect(Timestamp(rfc3339: "9999-12-31T23:59:59Z") == nil)
        #expect(Timestamp(rfc3339: "0000-01-01T00:00:00Z") == nil)
        #expect(Timestamp(milliseconds: 9_223_372_036_854)?.nanoseconds == 9_223_372_036_854_000_000)
        #expect(Timestamp(milliseconds: 9_223_372_036_855) == nil)
        #expect(Timestamp(milliseconds: .min) == nil)
    }

    @Test(
        "anything else is refused",
        arguments: [
            "2026-11-23 09:00:00Z", "2026-11-23T09:00:00", "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z",
            "2026-11-23T24:00:00Z", "2026-11-23T09:00:60Z", "2026-11-23T09:00:00.Z", "2026-11-23T09:00:00.1234567890Z",
            "2026-11-23T09:00:00+0900", "26-11-23T09:00:00Z", "2026-11-23T09:00:00Z ", "",
        ])
    func invalid(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }
}
