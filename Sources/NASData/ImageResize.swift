/// Resamples uint8 images (NHWC, one image) to another size with a triangle filter that is
/// widened by the scale factor when shrinking, so every source pixel counts (Pillow's
/// BILINEAR): an image of another size than a folder's first is stored at that size.
enum ImageResize {
    /// `source` is height × width × channels; writes outHeight × outWidth × channels into `output`.
    static func bilinear(_ source: UnsafePointer<UInt8>, height: Int, width: Int, channels c: Int,
                         into output: UnsafeMutablePointer<UInt8>, height outHeight: Int, width outWidth: Int) {
        let columns = taps(from: width, to: outWidth), rows = taps(from: height, to: outHeight)
        // Rows first into floats (height × outWidth × c), then columns into bytes.
        var horizontal = [Float](repeating: 0, count: height * outWidth * c)
        horizontal.withUnsafeMutableBufferPointer { temp in
            for y in 0..<height {
                for x in 0..<outWidth {
                    let (first, weights) = columns[x]
                    for k in 0..<c {
                        var sum: Float = 0
                        for (j, weight) in weights.enumerated() { sum += weight * Float(source[(y * width + first + j) * c + k]) }
                        temp[(y * outWidth + x) * c + k] = sum
                    }
                }
            }
            for y in 0..<outHeight {
                let (first, weights) = rows[y]
                for x in 0..<outWidth {
                    for k in 0..<c {
                        var sum: Float = 0
                        for (j, weight) in weights.enumerated() { sum += weight * temp[((first + j) * outWidth + x) * c + k] }
                        output[(y * outWidth + x) * c + k] = UInt8(min(max(sum.rounded(), 0), 255))
                    }
                }
            }
        }
    }

    /// Per output pixel, its first source pixel and the normalized weights from there on:
    /// half-pixel centers, a triangle of radius max(scale, 1) source pixels, clipped at the edges.
    static func taps(from size: Int, to outSize: Int) -> [(first: Int, weights: [Float])] {
        let scale = Double(size) / Double(outSize)
        let radius = max(scale, 1)
        return (0..<outSize).map { i in
            let center = (Double(i) + 0.5) * scale
            let first = max(0, Int((center - radius).rounded(.down)))
            let end = min(size, Int((center + radius).rounded(.up)))
            let weights = (first..<end).map { j in max(0, 1 - abs((Double(j) + 0.5 - center) / radius)) }
            let total = weights.reduce(0, +)
            return (first, weights.map { Float($0 / total) })
        }
    }
}
