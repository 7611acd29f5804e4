import Foundation

/// An instant, as nanoseconds since 1970-01-01T00:00:00Z, parsed from RFC 3339 exactly: no locale,
/// no calendar library, so every node reads the same instant from the same text.
public struct Timestamp: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let nanoseconds: Int64

    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// `nil` outside what 64-bit nanoseconds hold (the years 1677 to 2262): a Kafka timestamp is the
    /// producer's to choose, so this is where an out-of-range one is caught.
    public init?(milliseconds: Int64) {
        let (nanoseconds, overflow) = milliseconds.multipliedReportingOverflow(by: 1_000_000)
        guard !overflow else { return nil }
        self.nanoseconds = nanoseconds
    }

    /// The wall-clock time to the millisecond, for producers stamping events. The ledger never reads
    /// the clock: its leaves depend on the records alone.
    public static var now: Timestamp {
        // The clock of this century is in range.
        Timestamp(nanoseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) * 1_000_000)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// This instant `seconds` later, or the last instant 64 bits hold when that is beyond them: the times compared come
    /// from producers, so no sum of them may trap.
    public func adding(seconds: Int64) -> Timestamp {
        let (product, overflowed) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, overflows) = nanoseconds.addingReportingOverflow(product)
        return overflowed || overflows ? Timestamp(nanoseconds: seconds < 0 ? .min : .max) : Timestamp(nanoseconds: sum)
    }

    /// Whole seconds between the two instants, whichever is first (truncated; exact whatever the two are).
    public func secondsApart(from other: Timestamp) -> Int64 {
        Int64(abs(Int128(nanoseconds) - Int128(other.nanoseconds)) / 1_000_000_000)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (RFC 3339 §5.6; `t`/`z` accepted, at most 9
    /// fraction digits, leap second 60 refused). `nil` also for an instant that 64-bit
    /// nanoseconds since 1970 cannot hold (before 1677-09-22 or after 2262-04-11T23:47:16.854775807Z).
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        func digits(_ start: Int, _ count: Int) -> Int64? {
            guard start + count <= b.count else { return nil }
            var value: Int64 = 0
            for byte in b[start..<start + count] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard b.count >= 20, let year = digits(0, 4), b[4] == 45, let month = digits(5, 2), b[7] == 45, let day = digits(8, 2),
            b[10] == 84 || b[10] == 116, let hour = digits(11, 2), b[13] == 58, let minute = digits(14, 2), b[16] == 58,
            let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year), hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var fraction: Int64 = 0
        if index < b.count, b[index] == 46 {
            let start = index + 1
            index = start
            while index < b.count, (48...57).contains(b[index]) { index += 1 }
            let count = index - start
            guard (1...9).contains(count), let value = digits(start, count) else { return nil }
            fraction = value * Int64(pow10(9 - count))
        }
        guard index < b.count else { return nil }
        var offsetSeconds: Int64 = 0
        switch b[index] {
        case 90, 122:  // Z z
            index += 1
        case 43, 45:  // + -
            guard let hours = digits(index + 1, 2), index + 3 < b.count, b[index + 3] == 58, let minutes = digits(index + 4, 2),
                hours < 24, minutes < 60
            else { return nil }
            offsetSeconds = (hours * 3600 + minutes * 60) * (b[index] == 43 ? 1 : -1)
            index += 6
        default:
            return nil
        }
        guard index == b.count else { return nil }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        // Years up to 9999 fit in seconds; in nanoseconds only 1677 to 2262 do.
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, sumOverflow) = product.addingReportingOverflow(fraction)
        guard !overflow, !sumOverflow else { return nil }
        self.nanoseconds = sum
    }

    /// RFC 3339 in UTC, with as many fraction digits as needed (none for whole seconds).
    public var description: String {
        let seconds = nanoseconds.floorDivided(by: 1_000_000_000)
        let fraction = nanoseconds - seconds * 1_000_000_000
        let days = seconds.floorDivided(by: 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Self.civil(fromDays: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var text =
            "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if fraction != 0 {
            var digits = pad(fraction, 9)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "Z"
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "\"\(EchoedText.capped(text))\" is not an RFC 3339 timestamp"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDivided(by: 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = z.floorDivided(by: 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

private func pow10(_ exponent: Int) -> Int {
    (0..<exponent).reduce(1) { result, _ in result * 10 }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
