/// The published networks, written as timm arch-def strings and decoded like any file.
public enum NamedModels {
    static let efficientNetB0Stages = [
        ["ds_r1_k3_s1_e1_c16_se0.25"], ["ir_r2_k3_s2_e6_c24_se0.25"], ["ir_r2_k5_s2_e6_c40_se0.25"],
        ["ir_r3_k3_s2_e6_c80_se0.25"], ["ir_r3_k5_s1_e6_c112_se0.25"], ["ir_r4_k5_s2_e6_c192_se0.25"],
        ["ir_r1_k3_s1_e6_c320_se0.25"],
    ]

    /// Canonical names, in display order.
    public static var names: [String] {
        ScalingCoefficients.efficientNet.map { "efficientnet-\($0.name)" } + ["efficientnetv2-s", "mnasnet-a1", "mobilenet-v2"]
    }

    /// Looks a model up by name; `_` and `-` are interchangeable and case is ignored.
    public static func network(named rawName: String) throws(ArchitectureError) -> Network {
        let name = String(rawName.lowercased().map { $0 == "_" ? "-" : $0 })
        if name.hasPrefix("efficientnet-b"), let variant = try? ScalingCoefficients.variant(String(name.dropFirst(13))) {
            var network = efficientNetB0.scaled(to: variant)
            network.name = name
            return network
        }
        switch name {
        case "mnasnet-a1":
            return decode(
                "mnasnet-a1",
                [
                    ["ds_r1_k3_s1_e1_c16_noskip"], ["ir_r2_k3_s2_e6_c24"], ["ir_r3_k5_s2_e3_c40_se0.25"],
                    ["ir_r4_k3_s2_e6_c80"], ["ir_r2_k3_s1_e6_c112_se0.25"], ["ir_r3_k5_s2_e6_c160_se0.25"],
                    ["ir_r1_k3_s1_e6_c320"],
                ], activation: .relu, dropConnect: 0)
        case "mobilenet-v2":
            return decode(
                "mobilenet-v2",
                [
                    ["ds_r1_k3_s1_c16"], ["ir_r2_k3_s2_e6_c24"], ["ir_r3_k3_s2_e6_c32"], ["ir_r4_k3_s2_e6_c64"],
                    ["ir_r3_k3_s1_e6_c96"], ["ir_r3_k3_s2_e6_c160"], ["ir_r1_k3_s1_e6_c320"],
                ], activation: .relu6, dropConnect: 0)
        case "efficientnetv2-s":
            return decode(
                "efficientnetv2-s",
                [
                    ["cn_r2_k3_s1_e1_c24_skip"], ["er_r4_k3_s2_e4_c48"], ["er_r4_k3_s2_e4_c64"],
                    ["ir_r6_k3_s2_e4_c128_se0.25"], ["ir_r9_k3_s1_e6_c160_se0.25"], ["ir_r15_k3_s2_e6_c256_se0.25"],
                ], stem: 24, resolution: 384)
        default:
            throw .unknownModel(rawName, known: names)
        }
    }

    public static var efficientNetB0: Network { decode("efficientnet-b0", efficientNetB0Stages) }

    private static func decode(
        _ name: String, _ stages: [[String]], stem: Int = 32, resolution: Int = 224,
        activation: Activation = .swish, dropConnect: Double = 0.2
    ) -> Network {
        // The strings above are constants checked by the tests; a failure here is a bug.
        let blocks = stages.map { $0.map { try! TimmCodec.decode($0) } }
        return Network(
            name: name, stemFilters: stem, stages: blocks, resolution: resolution, activation: activation,
            dropConnect: dropConnect)
    }
}
