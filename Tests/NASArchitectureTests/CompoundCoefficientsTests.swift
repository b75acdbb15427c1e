import NASArchitecture
import Testing

@Suite struct CompoundCoefficientsTests {
    @Test func gridHoldsThePapersPointAndOnlyPointsNearTwiceTheMACs() {
        let grid = CompoundCoefficients.grid(step: 0.1, tolerance: 0.1, maximum: 2)
        #expect(grid.first == .efficientNet)
        #expect(Set(grid).count == grid.count)
        for point in grid.dropFirst() {
            #expect(abs(point.macsFactor - 2) <= 0.1 + 1e-9 && point.alpha >= 1 && point.beta >= 1 && point.gamma >= 1)
        }
        // Depth alone, width alone and resolution alone (1.4² = 1.96) are on it.
        for axis in [CompoundCoefficients(alpha: 2, beta: 1, gamma: 1), .init(alpha: 1, beta: 1.4, gamma: 1), .init(alpha: 1, beta: 1, gamma: 1.4)] {
            #expect(grid.contains(axis), "\(axis.label)")
        }
        #expect(grid.count == 22)
    }

    @Test func phiPowersTheCoefficients() {
        let b = CompoundCoefficients.efficientNet
        let third = b.scaling(phi: 3, baseResolution: 224)
        #expect(abs(third.depth - 1.728) < 1e-9 && abs(third.width - 1.331) < 1e-9)
        #expect(third.resolution == 341 && third.dropout == 0.3)  // 224 · 1.15³ = 340.7
        #expect(b.scaling(phi: 9, baseResolution: 224).dropout == 0.5)
        #expect(abs(b.macsFactor - 1.92027) < 1e-5)
    }

    @Test func parsesCoefficientsAndRefusesOthersInOneLine() throws {
        #expect(try CompoundCoefficients(parsing: "1.2, 1.1,1.15") == .efficientNet)
        for bad in ["1.2,1.1", "0.9,1,1", "a,b,c", "1,1,5"] {
            #expect(throws: ArchitectureError.self) { try CompoundCoefficients(parsing: bad) }
        }
    }

    /// The family of searched coefficients stands beside EfficientNet's Bφ, and φ = 1 with
    /// the paper's coefficients is B0 scaled by them.
    @Test func familyOfCoefficientsStandsBesideEfficientNetsVariants() {
        let family = ScaledFamily(NamedModels.efficientNetB0, coefficients: .efficientNet, phis: 1...3)
        #expect(family.members.map(\.efficientNet.name) == ["b1", "b2", "b3"])
        #expect(family.members[0].network.resolution == 258)
        #expect(family.table().contains("α 1.20 β 1.10 γ 1.15"))
    }
}

@Suite struct NonUniformScalingTests {
    /// B0's stages hold 1, 2, 2, 3, 3, 4, 1 layers; depth 1.2 adds 1+1+1+1+1+1+1 = 7 in all
    /// (ceil per stage). Late scaling puts those 7 in stages 4–7 (3, 3, 4, 1 layers) in
    /// proportion, rounded down — 1, 1, 2, 0 — and the 3 left over one each from the last stage
    /// back: 1, 2, 3, 1.
    @Test func lateDepthAddsAsManyLayersToTheLaterStagesOnly() {
        let b0 = NamedModels.efficientNetB0
        let late = b0.deepenedLate(1.2)
        let layers = { (n: Network) in n.stages.map { $0.reduce(0) { $0 + $1.repeats } } }
        #expect(layers(late) == [1, 2, 2, 4, 5, 7, 2], "\(layers(late))")
        #expect(layers(late).reduce(0, +) == layers(b0.scaled(width: 1, depth: 1.2)).reduce(0, +))
        #expect(b0.deepenedLate(1) == b0)
    }

    @Test func nonUniformGridAddsALateTwinToEveryDeeperPoint() {
        let grid = CompoundCoefficients.grid(step: 0.1, tolerance: 0.1, maximum: 2, nonUniform: true)
        let uniform = CompoundCoefficients.grid(step: 0.1, tolerance: 0.1, maximum: 2)
        #expect(grid.count == uniform.count + uniform.count { $0.alpha > 1 })
        #expect(grid[1] == CompoundCoefficients(alpha: 1.2, beta: 1.1, gamma: 1.15, late: true) && grid[1].label.hasSuffix("late"))
        let family = ScaledFamily(NamedModels.efficientNetB0, coefficients: grid[1], phis: 1...2)
        #expect(family.members[0].network.stages.prefix(3).map { $0.reduce(0) { $0 + $1.repeats } } == [1, 2, 2])
    }
}
