/// The partition of the events topic a subject's events belong in: the one Kafka's default partitioner (the Java
/// client's, and librdkafka's `murmur2`) picks for the subject's UTF-8 bytes as the record key. rules/v2 rejects a
/// record found in any other partition, so a signed event copied into another partition changes nothing there.
public enum SubjectPartition {
    public static func of(subject: String, partitionCount: Int32) -> Int32 {
        precondition(partitionCount > 0, "a topic has at least one partition")
        return Int32(bitPattern: murmur2(Array(subject.utf8)) & 0x7fff_ffff) % partitionCount
    }

    /// MurmurHash2, 32-bit, as Kafka computes it: seed 0x9747b28c, words read little-endian, arithmetic modulo 2³².
    static func murmur2(_ data: [UInt8]) -> UInt32 {
        let m: UInt32 = 0x5bd1_e995
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: data.count)
        let whole = data.count / 4 * 4
        for start in stride(from: 0, to: whole, by: 4) {
            var k = UInt32(data[start]) | UInt32(data[start + 1]) << 8 | UInt32(data[start + 2]) << 16 | UInt32(data[start + 3]) << 24
            k &*= m
            k ^= k >> 24
            k &*= m
            h &*= m
            h ^= k
        }
        let tail = data[whole...]
        if !tail.isEmpty {
            for (shift, byte) in zip([0, 8, 16], tail).reversed() { h ^= UInt32(byte) << UInt32(shift) }
            h &*= m
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return h
    }
}
