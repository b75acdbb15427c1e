import Foundation

// How a controller's state is stored. Format 3 (what `Controller.encodedState()` writes): a
// header, the JSON of everything but the big number arrays, then those arrays' raw
// little-endian IEEE 754 bytes — an LSTM policy's ~10⁵ parameters and two Adam moments each
// are saved after every batch, and base64 inside JSON cost a third more bytes and most of the
// encoding time. Formats 1 (JSON number arrays) and 2 (base64 strings) are plain JSON, and
// still decode.
//
//     "SNASCTL3"  UInt64 n  n bytes of JSON  UInt64 k  k × (UInt64 count, count × 8 bytes)
enum StateFormat {
    static let magic = Data("SNASCTL3".utf8)
    static let arraysKey = CodingUserInfoKey(rawValue: "swiftnas.controller.arrays")!

    /// The number arrays of one state, in the order the JSON refers to them.
    final class Arrays: @unchecked Sendable {
        var values: [[Double]] = []
    }

    static func encode(_ value: some Encodable) throws -> Data {
        let arrays = Arrays()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.userInfo[arraysKey] = arrays
        let json = try encoder.encode(value)
        var data = magic
        data.reserveCapacity(magic.count + 16 + json.count + arrays.values.reduce(0) { $0 + 8 + 8 * $1.count })
        append(UInt64(json.count), to: &data)
        data.append(json)
        append(UInt64(arrays.values.count), to: &data)
        for array in arrays.values {
            append(UInt64(array.count), to: &data)
            #if _endian(little)
                array.withUnsafeBytes { data.append(contentsOf: $0) }
            #else
                for value in array { append(value.bitPattern, to: &data) }
            #endif
        }
        return data
    }

    /// The JSON and its arrays, or nil when `data` is not format 3 (plain JSON).
    static func split(_ data: Data) throws(ControllerError) -> (json: Data, arrays: Arrays)? {
        guard data.starts(with: magic) else { return nil }
        var reader = Reader(data: data, offset: magic.count)
        let json = try reader.bytes(try reader.count(limit: data.count))
        let arrays = Arrays()
        for _ in 0..<(try reader.count(limit: data.count / 8)) {
            let bytes = try reader.bytes(try reader.count(limit: data.count / 8) * 8)
            arrays.values.append(bytes.withUnsafeBytes { raw in
                (0..<bytes.count / 8).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
            })
        }
        guard reader.offset == data.count else { throw .undecodableState("\(data.count - reader.offset) bytes after the state") }
        return (json, arrays)
    }

    private static func append(_ word: UInt64, to data: inout Data) {
        withUnsafeBytes(of: word.littleEndian) { data.append(contentsOf: $0) }
    }

    /// Reads lengths and byte runs, every one checked against what is left.
    private struct Reader {
        let data: Data
        var offset: Int

        mutating func count(limit: Int) throws(ControllerError) -> Int {
            let word = try bytes(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            guard word <= UInt64(limit) else { throw .undecodableState("a length of \(word) in a state of \(data.count) bytes") }
            return Int(word)
        }

        mutating func bytes(_ count: Int) throws(ControllerError) -> Data {
            guard count <= data.count - offset else { throw .undecodableState("the state ends early") }
            defer { offset += count }
            let start = data.startIndex + offset
            return data[start..<start + count]
        }
    }
}

/// A `[Double]` in a controller's state: in format 3 a reference to one of the arrays after
/// the JSON; in format 2 base64 of its little-endian IEEE 754 bytes; format 1 wrote a JSON
/// number array. Exact in every form.
struct PackedDoubles: Codable {
    var values: [Double]

    init(_ values: [Double]) { self.values = values }

    private enum Reference: String, CodingKey { case array }

    func encode(to encoder: any Encoder) throws {
        if let arrays = encoder.userInfo[StateFormat.arraysKey] as? StateFormat.Arrays {
            var c = encoder.container(keyedBy: Reference.self)
            try c.encode(arrays.values.count, forKey: .array)
            arrays.values.append(values)
            return
        }
        var bytes = Data(capacity: values.count * 8)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        var c = encoder.singleValueContainer()
        try c.encode(bytes.base64EncodedString())
    }

    init(from decoder: any Decoder) throws {
        if let arrays = decoder.userInfo[StateFormat.arraysKey] as? StateFormat.Arrays,
           let c = try? decoder.container(keyedBy: Reference.self)
        {
            let index = try c.decode(Int.self, forKey: .array)
            guard arrays.values.indices.contains(index) else { throw ControllerError.undecodableState("no number array \(index)") }
            values = arrays.values[index]
            return
        }
        let c = try decoder.singleValueContainer()
        if let numbers = try? c.decode([Double].self) {
            values = numbers
            return
        }
        let text = try c.decode(String.self)
        guard let data = Data(base64Encoded: text), data.count % 8 == 0 else {
            throw ControllerError.undecodableState("a packed number array is not base64 of whole Doubles")
        }
        values = data.withUnsafeBytes { raw in
            (0..<data.count / 8).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
    }
}
