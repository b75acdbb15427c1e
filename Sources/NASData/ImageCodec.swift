import CPNG
import CTurboJPEG

/// Decodes JPEG (TurboJPEG) and PNG (libpng's simplified API) to 8-bit gray or RGB. One per
/// thread: it owns a TurboJPEG handle.
final class ImageDecoder {
    struct Header {
        var width: Int
        var height: Int
        /// 1 for grayscale sources, 3 otherwise (alpha is dropped, palettes expanded).
        var channels: Int
    }

    private let jpeg: tjhandle?

    init() { jpeg = tjInitDecompress() }
    deinit { if let jpeg { tjDestroy(jpeg) } }

    /// Reads the header of a JPEG or PNG, told apart by their signatures (not the file name).
    func header(_ bytes: UnsafeRawBufferPointer, path: String) throws(DataError) -> Header {
        if Self.isJPEG(bytes) {
            guard let jpeg else { throw .undecodable(path: path, reason: "cannot create a TurboJPEG decompressor") }
            var (w, h, subsampling, colorspace): (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
            let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
            guard tjDecompressHeader3(jpeg, base, UInt(bytes.count), &w, &h, &subsampling, &colorspace) == 0 else {
                throw .undecodable(path: path, reason: jpegError())
            }
            let channels = colorspace == Int32(TJCS_GRAY.rawValue) ? 1 : 3
            return try checked(Header(width: Int(w), height: Int(h), channels: channels), path: path)
        }
        if Self.isPNG(bytes) {
            var image = png_image()
            image.version = UInt32(PNG_IMAGE_VERSION)
            defer { png_image_free(&image) }
            guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0 else {
                throw .undecodable(path: path, reason: Self.message(image))
            }
            let channels = image.format & PNG_FORMAT_FLAG_COLOR != 0 ? 3 : 1
            return try checked(Header(width: Int(image.width), height: Int(image.height), channels: channels), path: path)
        }
        throw .undecodable(path: path, reason: "neither a JPEG nor a PNG file")
    }

    /// Decodes into `output` (width × height × channels bytes). `channels` may differ from the
    /// header's: gray is replicated to RGB, color is converted to luma.
    func decode(_ bytes: UnsafeRawBufferPointer, header: Header, channels: Int, into output: UnsafeMutablePointer<UInt8>,
                path: String) throws(DataError) {
        if Self.isJPEG(bytes) {
            guard let jpeg else { throw .undecodable(path: path, reason: "cannot create a TurboJPEG decompressor") }
            let format = channels == 1 ? TJPF_GRAY : TJPF_RGB
            let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
            // Default flags: accurate integer DCT and smooth chroma upsampling, as libjpeg/PIL,
            // so statistics match other loaders. Warnings (corrupt data) are errors.
            guard tjDecompress2(jpeg, base, UInt(bytes.count), output, Int32(header.width), 0, Int32(header.height),
                                Int32(format.rawValue), TJFLAG_STOPONWARNING) == 0 else {
                throw .undecodable(path: path, reason: jpegError())
            }
            return
        }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0 else {
            throw .undecodable(path: path, reason: Self.message(image))
        }
        image.format = channels == 1 ? UInt32(PNG_FORMAT_GRAY) : UInt32(PNG_FORMAT_RGB)
        // Transparent pixels are composited onto black, the same value as crop padding.
        var black = png_color(red: 0, green: 0, blue: 0)
        guard png_image_finish_read(&image, &black, output, 0, nil) != 0 else {
            throw .undecodable(path: path, reason: Self.message(image))
        }
    }

    private func checked(_ header: Header, path: String) throws(DataError) -> Header {
        guard header.width > 0, header.height > 0, header.width * header.height <= 1 << 28 else {
            throw .undecodable(path: path, reason: "implausible size \(header.width)x\(header.height)")
        }
        return header
    }

    private func jpegError() -> String { String(cString: tjGetErrorStr2(jpeg)) }

    private static func message(_ image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    static func isJPEG(_ b: UnsafeRawBufferPointer) -> Bool { b.count >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF }
    static func isPNG(_ b: UnsafeRawBufferPointer) -> Bool {
        b.count >= 8 && b[0] == 0x89 && b[1] == 0x50 && b[2] == 0x4E && b[3] == 0x47
    }
    static let extensions: Set<String> = ["jpg", "jpeg", "png"]
}
