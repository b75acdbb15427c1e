/// Per-variant compound-scaling coefficients. EfficientNet's official table, not α^φ:
/// the published models were built from these rounded values.
public struct ScalingCoefficients: Hashable, Sendable {
    public var name: String
    public var width: Double
    public var depth: Double
    public var resolution: Int
    public var dropout: Double

    /// Largest free width or depth multiplier (`nas arch --width/--depth`); B7 uses 2.0 and 3.1.
    /// Repeats and filters it makes are still checked against `Block`'s bounds.
    public static let maxMultiplier = 16.0

    public static let efficientNet: [ScalingCoefficients] = [
        .init(name: "b0", width: 1.0, depth: 1.0, resolution: 224, dropout: 0.2),
        .init(name: "b1", width: 1.0, depth: 1.1, resolution: 240, dropout: 0.2),
        .init(name: "b2", width: 1.1, depth: 1.2, resolution: 260, dropout: 0.3),
        .init(name: "b3", width: 1.2, depth: 1.4, resolution: 300, dropout: 0.3),
        .init(name: "b4", width: 1.4, depth: 1.8, resolution: 380, dropout: 0.4),
        .init(name: "b5", width: 1.6, depth: 2.2, resolution: 456, dropout: 0.4),
        .init(name: "b6", width: 1.8, depth: 2.6, resolution: 528, dropout: 0.5),
        .init(name: "b7", width: 2.0, depth: 3.1, resolution: 600, dropout: 0.5),
    ]

    /// "b3" (any case).
    public static func variant(_ name: String) throws(ArchitectureError) -> ScalingCoefficients {
        guard let found = efficientNet.first(where: { $0.name == name.lowercased() }) else {
            throw .unknownVariant(name)
        }
        return found
    }
}

extension Network {
    /// Compound scaling with free coefficients: every filter count (stem, blocks, head) by
    /// round_filters(·, width); each stage's repeats by ceil(depth × total), spread over the
    /// stage's block definitions from the last one back as timm does.
    public func scaled(width: Double, depth: Double) -> Network {
        var copy = self
        copy.stemFilters = roundFilters(stemFilters, width: width)
        copy.headFilters = headFilters > 0 ? roundFilters(headFilters, width: width) : 0
        copy.stages = stages.map { stage in
            let repeats = scaledStageRepeats(stage.map(\.repeats), depth: depth)
            return zip(stage, repeats).map { block, repeats in
                var block = block
                block.outFilters = roundFilters(block.outFilters, width: width)
                block.repeats = repeats
                return block
            }
        }
        return copy
    }

    /// Scales a B0-like base to a named variant: width, depth, resolution and dropout.
    public func scaled(to variant: ScalingCoefficients) -> Network {
        var copy = scaled(width: variant.width, depth: variant.depth)
        copy.resolution = variant.resolution
        copy.dropout = variant.dropout
        return copy
    }
}

extension Network {
    /// EfficientNetV2's later-stages-deeper scaling: as many layers as `scaled(width: 1, depth:)`
    /// would add in all, added to the later half of the stages only, in proportion to their
    /// layers (the remainder to the last stages), each stage's to its last block definition.
    public func deepenedLate(_ depth: Double) -> Network {
        let repeats = stages.map { $0.reduce(0) { $0 + $1.repeats } }
        let extra = zip(stages, repeats).reduce(0) { $0 + scaledStageRepeats($1.0.map(\.repeats), depth: depth).reduce(0, +) - $1.1 }
        let later = Array((stages.count / 2)..<stages.count)
        let total = later.reduce(0) { $0 + repeats[$1] }
        var added = later.map { extra * repeats[$0] / max(1, total) }
        var remainder = extra - added.reduce(0, +)
        var index = added.count - 1
        while remainder > 0 && !added.isEmpty {
            added[index] += 1
            remainder -= 1
            index = index == 0 ? added.count - 1 : index - 1
        }
        var copy = self
        for (stage, count) in zip(later, added) where !copy.stages[stage].isEmpty {
            copy.stages[stage][copy.stages[stage].count - 1].repeats += count
        }
        return copy
    }
}

/// timm's `_scale_stage_depth` with ceil truncation; for one block definition this is
/// round_repeats = ceil(depth × repeats).
func scaledStageRepeats(_ repeats: [Int], depth: Double) -> [Int] {
    var remaining = repeats.reduce(0, +)
    var remainingScaled = roundRepeats(remaining, depth: depth)
    var scaled: [Int] = []
    for r in repeats.reversed() {
        let rs = max(1, pythonRound(Double(r) / Double(remaining) * Double(remainingScaled)))
        scaled.append(rs)
        remaining -= r
        remainingScaled -= rs
    }
    return scaled.reversed()
}
