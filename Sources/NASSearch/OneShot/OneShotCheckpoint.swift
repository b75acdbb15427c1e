import Foundation
import NASController
import NASData
import NASRandom
import NASSupernet

/// Where a weight-sharing search is between two steps: everything that decides what it does
/// next. Per-step randomness (augmentation, dropout) is drawn from generators derived from the
/// seed and the step, so it needs no saving.
struct OneShotState: Codable {
    /// Shared-weight steps done.
    var step: Int
    /// Controller updates done (the batch number of the last scored architectures).
    var updates: Int
    /// Scored architectures written to the run's log when this state was saved.
    var trials: Int
    var controller: Controller
    /// Draws the warm-up's uniform paths.
    var generator: SeededGenerator
    var train: BatchSampler
    var validation: BatchSampler
}

/// The supernet's weights, BN statistics and optimizer state with an `OneShotState`, in one
/// file replaced atomically (written beside and renamed): a search killed at any moment finds
/// the last whole checkpoint. Layout: 8-byte little-endian header length, the JSON header,
/// then the float32 arrays it counts, little-endian.
enum OneShotCheckpoint {
    static let fileName = "supernet.checkpoint"

    private struct Header: Codable {
        var format = 1
        var state: OneShotState
        var parameters: Int
        var statistics: Int
        var optimizer: [Int]
    }

    static func save(_ supernet: Supernet, state: OneShotState, to path: String) throws(SearchError) {
        let arrays = supernet.savedArrays
        let header = Header(state: state, parameters: arrays[0].count, statistics: arrays[1].count, optimizer: arrays.dropFirst(2).map(\.count))
        let json: Data
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do { json = try encoder.encode(header) } catch { throw .invalid("cannot encode the supernet checkpoint: \(error)") }
        var data = Data(capacity: 8 + json.count + arrays.reduce(0) { $0 + $1.count * 4 })
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for array in arrays { data.append(array) }
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw .invalid("cannot write the supernet checkpoint \(path): \(error.localizedDescription)")
        }
    }

    /// The saved state with the supernet's arrays restored from it; nil when there is no file.
    static func load(into supernet: Supernet, from path: String) throws(SearchError) -> OneShotState? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        func corrupt(_ why: String) -> SearchError { .invalid("the supernet checkpoint \(path) is unreadable: \(why)") }
        guard data.count >= 8 else { throw corrupt("too short") }
        let length = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        guard length > 0, 8 + length <= data.count else { throw corrupt("bad header length") }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: data.subdata(in: 8..<(8 + length))) } catch {
            throw corrupt("\(error)")
        }
        let counts = [header.parameters, header.statistics] + header.optimizer
        let expected = supernet.savedArrays.map(\.count)
        guard header.format == 1, counts == expected else {
            throw corrupt("arrays of \(counts) floats, expected \(expected) for this supernet")
        }
        guard 8 + length + counts.reduce(0, +) * 4 == data.count else { throw corrupt("truncated") }
        var offset = 8 + length
        var arrays: [[Float]] = []
        for count in counts {
            arrays.append(data.subdata(in: offset..<(offset + count * 4)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) })
            offset += count * 4
        }
        supernet.restore(arrays)
        return header.state
    }
}

extension Data {
    fileprivate mutating func append(_ values: [Float]) {
        values.withUnsafeBufferPointer { append($0) }
    }
}
