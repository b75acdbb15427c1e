import Foundation
import Testing

@testable import NASArchitecture

/// Counts against timm 1.0.31 (Fixtures/timm_reference.json, made by make_timm_reference.py).
struct TimmReference: Decodable {
    struct Named: Decodable {
        let name: String
        let resolution: Int
        let params: Int
        let macs: Int
        let macs32: Int
    }
    struct Random: Decodable {
        let arch: [[String]]
        let stem: Int
        let head: Int
        let params: Int
        let macs224: Int
        let macs32: Int
    }
    let named: [Named]
    let random: [Random]

    static let shared: TimmReference = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/timm_reference.json")
        return try! JSONDecoder().decode(TimmReference.self, from: Data(contentsOf: url))
    }()
}

@Suite struct TimmReferenceTests {
    @Test(arguments: TimmReference.shared.named.map(\.name))
    func namedModelsMatchTimmExactly(name: String) throws {
        let reference = TimmReference.shared.named.first { $0.name == name }!
        let network = try NamedModels.network(named: name)
        #expect(network.resolution == reference.resolution)
        let cost = network.resolved().cost
        #expect(cost.params == reference.params)
        #expect(cost.macs == reference.macs)
        #expect(network.resolved(resolution: 32).cost.macs == reference.macs32)
    }

    @Test func efficientNetB0MatchesThePaper() throws {
        let cost = try NamedModels.network(named: "efficientnet-b0").resolved().cost
        #expect(cost.params == 5_288_548)
        #expect(abs(Double(cost.macs) / 0.386e9 - 1) < 0.01)
    }

    /// The paper's FLOPs column (multiply-adds), B1…B7 at their own resolutions: within 6%.
    @Test(arguments: zip(
        ["b1", "b2", "b3", "b4", "b5", "b6", "b7"],
        [0.70e9, 1.0e9, 1.8e9, 4.2e9, 9.9e9, 19e9, 37e9]))
    func familyMACsWithinSixPercentOfThePaper(variant: String, paperMACs: Double) throws {
        let network = try NamedModels.network(named: "efficientnet-\(variant)")
        let macs = Double(network.resolved().cost.macs)
        #expect(abs(macs / paperMACs - 1) < 0.06, "\(variant): \(macs) vs \(paperMACs)")
    }

    @Test func familyParamsEqualTimm() throws {
        let expected = [7_794_184, 9_109_994, 12_233_232, 19_341_616, 30_389_784, 43_040_704, 66_347_960]
        for (i, params) in expected.enumerated() {
            let network = try NamedModels.network(named: "efficientnet-b\(i + 1)")
            #expect(network.resolved().cost.params == params, "b\(i + 1)")
        }
    }

    @Test(arguments: TimmReference.shared.random.indices)
    func randomArchDefsMatchTimmExactly(index: Int) throws {
        let reference = TimmReference.shared.random[index]
        let text = (["stem: \(reference.stem)", "head: \(reference.head)"]
            + reference.arch.map { $0.joined(separator: " ") }).joined(separator: "\n")
        let network = try ArchitectureFile.decode(text, name: "random-\(index)")
        #expect(network.resolved(resolution: 224).cost.params == reference.params)
        #expect(network.resolved(resolution: 224).cost.macs == reference.macs224)
        #expect(network.resolved(resolution: 32).cost.macs == reference.macs32)
        // Every string is canonical except for timm's optional fields.
        #expect(network.timmArchDef.flatMap { $0 }.count == reference.arch.flatMap { $0 }.count)
    }
}
