import Foundation

/// Weights on disk in the safetensors format (8-byte little-endian header length, a JSON
/// header naming each tensor's dtype, shape and byte range, then raw little-endian F32),
/// readable by Python's `safetensors` as well as by SwiftNAS. Holds the parameters and the
/// BN running statistics under their layer names (see Docs/FORMATS.md).
public enum Checkpoint {
    public enum Error: Swift.Error, CustomStringConvertible {
        case unreadable(String, String)
        case mismatch(String, String)
        public var description: String {
            switch self {
            case let .unreadable(path, why): "cannot read weights '\(path)': \(why)"
            case let .mismatch(path, why): "weights '\(path)' do not fit this architecture: \(why)"
            }
        }
    }

    public static func save(_ model: Model, to url: URL, metadata: [String: String] = [:]) throws {
        var header: [String: Any] = [:]
        var offset = 0
        var arenas: [(Arena, TensorInfo)] = []
        for arena in [model.parameters, model.state] {
            for tensor in arena.tensors {
                let bytes = tensor.count * 4
                header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]]
                offset += bytes
                arenas.append((arena, tensor))
            }
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }  // pad the header with spaces to 8 bytes
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for (arena, tensor) in arenas {
            data.append(UnsafeBufferPointer(start: arena[tensor.offset], count: tensor.count))
        }
        try data.write(to: url, options: .atomic)
    }

    public static func load(_ model: Model, from url: URL) throws {
        let path = url.path
        guard let data = FileManager.default.contents(atPath: path) else { throw Error.unreadable(path, "no such file") }
        guard data.count >= 8 else { throw Error.unreadable(path, "too short") }
        let headerLength = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        guard headerLength > 0, 8 + headerLength <= data.count,
            let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any]
        else { throw Error.unreadable(path, "bad safetensors header") }
        let body = 8 + headerLength
        for arena in [model.parameters, model.state] {
            for tensor in arena.tensors {
                guard let entry = header[tensor.name] as? [String: Any] else { throw Error.mismatch(path, "no tensor '\(tensor.name)'") }
                guard let shape = entry["shape"] as? [Int], shape == tensor.shape, entry["dtype"] as? String == "F32",
                    let range = entry["data_offsets"] as? [Int], range.count == 2, range[1] - range[0] == tensor.count * 4,
                    body + range[1] <= data.count
                else { throw Error.mismatch(path, "tensor '\(tensor.name)' should be F32 \(tensor.shape)") }
                data.withUnsafeBytes { raw in
                    let source = raw.baseAddress! + body + range[0]
                    UnsafeMutableRawPointer(arena[tensor.offset]).copyMemory(from: source, byteCount: tensor.count * 4)
                }
            }
        }
    }
}
