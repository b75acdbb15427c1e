import CPNG
import CTurboJPEG
import CZlib
import Foundation
import NASData
import Testing

/// A fresh directory under the system temp folder, removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("nasdata-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func sub(_ relative: String) -> String {
        let full = "\(path)/\(relative)"
        try! FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        return full
    }
}

enum Write {
    static func gzip(_ bytes: [UInt8], to path: String) {
        let file = gzopen(path, "wb")!
        bytes.withUnsafeBytes { _ = gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        gzclose(file)
    }

    /// An idx file of unsigned bytes: magic, big-endian sizes, data.
    static func idx(_ dimensions: [Int], data: [UInt8], magic: [UInt8]? = nil) -> [UInt8] {
        var bytes = magic ?? [0, 0, 8, UInt8(dimensions.count)]
        for d in dimensions { bytes += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
        return bytes + data
    }

    /// NHWC pixels of one image as PNG (1 or 3 channels).
    static func png(_ pixels: [UInt8], width: Int, height: Int, channels: Int, to path: String) {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = channels == 1 ? UInt32(PNG_FORMAT_GRAY) : channels == 4 ? UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA) : UInt32(PNG_FORMAT_RGB)
        let ok = pixels.withUnsafeBytes { png_image_write_to_file(&image, path, 0, $0.baseAddress, 0, nil) }
        precondition(ok != 0, "png write failed")
    }

    /// NHWC pixels of one image as a quality-100, 4:4:4 JPEG (1 or 3 channels).
    static func jpeg(_ pixels: [UInt8], width: Int, height: Int, channels: Int, to path: String) {
        let handle = tjInitCompress()!
        defer { tjDestroy(handle) }
        var buffer: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let format = channels == 1 ? TJPF_GRAY : TJPF_RGB
        let subsampling = channels == 1 ? TJSAMP_GRAY : TJSAMP_444
        let status = pixels.withUnsafeBufferPointer {
            tjCompress2(handle, $0.baseAddress, Int32(width), 0, Int32(height), Int32(format.rawValue), &buffer, &size,
                        Int32(subsampling.rawValue), 100, 0)
        }
        precondition(status == 0, "jpeg write failed")
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes: buffer!, count: Int(size)))
        tjFree(buffer)
    }

    /// One solid-color image.
    static func solid(_ value: [UInt8], width: Int, height: Int) -> [UInt8] {
        Array((0..<width * height).map { _ in value }.joined())
    }

    /// Records of CIFAR-10's binary format: label byte, then R, G, B planes of 32×32.
    static func cifarRecords(_ labels: [UInt8], pixel: (Int, Int, Int, Int) -> UInt8) -> [UInt8] {
        var bytes: [UInt8] = []
        for (r, label) in labels.enumerated() {
            bytes.append(label)
            for c in 0..<3 { for y in 0..<32 { for x in 0..<32 { bytes.append(pixel(r, c, y, x)) } } }
        }
        return bytes
    }

    static func file(_ bytes: [UInt8], to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }
}

/// Expects `body` to throw a `DataError` whose description contains every fragment.
func expectError(_ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation,
                 _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected an error containing \(fragments)", sourceLocation: sourceLocation)
    } catch {
        guard let error = error as? DataError else {
            Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
            return
        }
        let text = error.description
        #expect(!text.contains("\n"), "error is not one line: \(text)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(text.contains(fragment), "'\(text)' lacks '\(fragment)'", sourceLocation: sourceLocation)
        }
    }
}
