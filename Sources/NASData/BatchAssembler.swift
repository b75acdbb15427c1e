import NASKernels
import NASRandom

/// Turns images of an `ImageSet` into a normalized float batch, with or without augmentation.
public struct BatchAssembler: Sendable {
    public let mean: [Float]
    public let std: [Float]
    public let augmentation: Augmentation
    /// The training resolution: images of another size are bilinearly resized (after cropping).
    public let outputSize: Int
    // (pixel/255 - mean)/std as one multiply-add: pixel * scale + bias.
    private let scale: [Float]
    private let bias: [Float]

    public init(mean: [Float], std: [Float], augmentation: Augmentation, outputSize: Int) {
        precondition(mean.count == std.count && !mean.isEmpty, "mean and std need one value per channel")
        precondition(std.allSatisfy { $0 > 0 }, "std must be positive")
        precondition(outputSize > 0 && augmentation.cropPadding >= 0)
        self.mean = mean
        self.std = std
        self.augmentation = augmentation
        self.outputSize = outputSize
        scale = std.map { 1 / (255 * $0) }
        bias = zip(mean, std).map { -$0 / $1 }
    }

    public init(_ splits: DatasetSplits, outputSize: Int) {
        self.init(mean: splits.mean, std: splits.std, augmentation: splits.augmentation, outputSize: outputSize)
    }

    /// Floats per image in `images`.
    public func floatsPerImage(channels: Int) -> Int { outputSize * outputSize * channels }

    /// Writes normalized floats NHWC (indices.count × outputSize × outputSize × channels) and
    /// labels. With `augment`: a crop at a uniform offset in [-cropPadding, cropPadding] of
    /// the image zero-padded by cropPadding (padding is raw value 0), then a horizontal flip
    /// with p = 0.5 if enabled; draws per image: row offset, column offset, flip (each only
    /// when it applies). Without: the whole image. No allocation.
    public func fill(_ set: ImageSet, indices: some Collection<Int>, augment: Bool, generator: inout SeededGenerator,
                     images: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<Int32>) {
        let (h, w, c, s) = (set.height, set.width, set.channels, outputSize)
        precondition(c == scale.count, "set has \(c) channels but mean/std have \(scale.count)")
        let imageSize = h * w * c
        let pad = augment ? augmentation.cropPadding : 0
        let flips = augment && augmentation.horizontalFlip
        set.pixels.withUnsafeBufferPointer { pixels in
            scale.withUnsafeBufferPointer { scale in
                bias.withUnsafeBufferPointer { bias in
                    var out = images
                    for (k, i) in indices.enumerated() {
                        precondition(i >= 0 && i < set.count, "index \(i) out of range 0..<\(set.count)")
                        labels[k] = set.labels[i]
                        var (oy, ox, flip) = (0, 0, false)
                        if pad > 0 {
                            oy = generator.below(2 * pad + 1) - pad
                            ox = generator.below(2 * pad + 1) - pad
                        }
                        if flips { flip = generator.next() >> 63 != 0 }
                        let src = pixels.baseAddress! + i * imageSize
                        if s == h && s == w {
                            Self.copy(src, h: h, w: w, c: c, oy: oy, ox: ox, flip: flip, scale: scale, bias: bias, out: out)
                        } else {
                            Self.resize(src, h: h, w: w, c: c, s: s, oy: oy, ox: ox, flip: flip, scale: scale, bias: bias, out: out)
                        }
                        out += s * s * c
                    }
                }
            }
        }
    }

    /// Same size: out(y, x) = padded(y + oy, x' + ox), x' = x or w-1-x when flipped.
    @inline(__always)
    private static func copy(_ src: UnsafePointer<UInt8>, h: Int, w: Int, c: Int, oy: Int, ox: Int, flip: Bool,
                             scale: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>, out: UnsafeMutablePointer<Float>) {
        var o = out
        for y in 0..<h {
            let sy = y + oy
            let rowInside = sy >= 0 && sy < h
            for x in 0..<w {
                let sx = (flip ? w - 1 - x : x) + ox
                if rowInside && sx >= 0 && sx < w {
                    let p = src + (sy * w + sx) * c
                    for k in 0..<c { o[k] = Float(p[k]) * scale[k] + bias[k] }
                } else {
                    for k in 0..<c { o[k] = bias[k] }
                }
                o += c
            }
        }
    }

    /// Bilinear resize of the h × w crop at (oy, ox) of the zero-padded image to s × s, with
    /// half-pixel centers (PyTorch's align_corners=False) and no antialiasing.
    @inline(__always)
    private static func resize(_ src: UnsafePointer<UInt8>, h: Int, w: Int, c: Int, s: Int, oy: Int, ox: Int, flip: Bool,
                               scale: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>, out: UnsafeMutablePointer<Float>) {
        let (ry, rx) = (Float(h) / Float(s), Float(w) / Float(s))
        var o = out
        for y in 0..<s {
            let fy = min(max((Float(y) + 0.5) * ry - 0.5, 0), Float(h - 1))
            let y0 = Int(fy), y1 = min(y0 + 1, h - 1)
            let wy = fy - Float(y0)
            // Source rows of the padded image, or -1 where the crop reaches into the padding.
            let r0 = (0..<h).contains(y0 + oy) ? (y0 + oy) * w : -1
            let r1 = (0..<h).contains(y1 + oy) ? (y1 + oy) * w : -1
            for x in 0..<s {
                let xx = flip ? s - 1 - x : x
                let fx = min(max((Float(xx) + 0.5) * rx - 0.5, 0), Float(w - 1))
                let x0 = Int(fx), x1 = min(x0 + 1, w - 1)
                let wx = fx - Float(x0)
                let c0 = (0..<w).contains(x0 + ox) ? x0 + ox : -1
                let c1 = (0..<w).contains(x1 + ox) ? x1 + ox : -1
                let (w00, w01, w10, w11) = ((1 - wy) * (1 - wx), (1 - wy) * wx, wy * (1 - wx), wy * wx)
                let p00 = r0 >= 0 && c0 >= 0 ? (r0 + c0) * c : -1, p01 = r0 >= 0 && c1 >= 0 ? (r0 + c1) * c : -1
                let p10 = r1 >= 0 && c0 >= 0 ? (r1 + c0) * c : -1, p11 = r1 >= 0 && c1 >= 0 ? (r1 + c1) * c : -1
                for k in 0..<c {
                    var v: Float = 0
                    if p00 >= 0 { v += w00 * Float(src[p00 + k]) }
                    if p01 >= 0 { v += w01 * Float(src[p01 + k]) }
                    if p10 >= 0 { v += w10 * Float(src[p10 + k]) }
                    if p11 >= 0 { v += w11 * Float(src[p11 + k]) }
                    o[k] = v * scale[k] + bias[k]
                }
                o += c
            }
        }
    }
}
