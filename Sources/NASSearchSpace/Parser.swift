import Foundation
import NASFormatting
import NASArchitecture
import Yams

extension SearchSpace {
    /// Top-level keys of a search-space file.
    public static let keys = ["name", "baseline", "resolution", "decisions", "blocks", "reward", "proxy", "search"]

    /// Reads and parses a search-space file. Nothing is written; every refusal names the
    /// file, line and field.
    public static func load(path: String) throws(SearchSpaceError) -> SearchSpace {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SearchSpaceError(
                file: path, line: nil, field: "", message: "cannot read the file: \(error.localizedDescription)")
        }
        return try parse(text, file: path)
    }

    /// Parses a search space from YAML text; `file` names it in errors and gives the default
    /// name (the file name without extension).
    public static func parse(_ text: String, file: String) throws(SearchSpaceError) -> SearchSpace {
        try SpaceParser(file: file).parse(text)
    }
}

typealias Entries = [(key: String, keyNode: Node, value: Node)]

/// One key of `decisions` or of a block override: a decision (or a fixed setting, with
/// one option), or `key: ~` removing a default.
struct DecisionEntry {
    var key: String
    var keyNode: Node
    var path: String
    var options: [[Setting]] = []
    var labels: [String] = []
    var optionNodes: [Node] = []
    var removes = false
    var fields: Set<Field> { Set(options.joined().map(\.field)) }
}

struct SpaceParser {
    let file: String
    let r: YAMLReader

    init(file: String) {
        self.file = file
        r = YAMLReader(file: file)
    }

    func parse(_ text: String) throws(SearchSpaceError) -> SearchSpace {
        let root = try r.compose(ArchitectureFile.removingByteOrderMark(text))
        let top = try r.mapping(root, "", what: "a mapping of name, baseline, decisions, …")
        try r.checkKeys(top, allowed: SearchSpace.keys, "")
        func entry(_ key: String) -> (key: String, keyNode: Node, value: Node)? { top.first { $0.key == key } }
        func required(_ key: String, _ what: String) throws(SearchSpaceError) -> Node {
            guard let found = entry(key) else { throw r.fail(root, key, "missing — expected \(what)") }
            return found.value
        }

        var name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        if name.isEmpty { name = "search-space" }
        if let node = entry("name")?.value { name = try r.string(node, "name") }

        let baseline = try network(
            try required("baseline", "a model name (e.g. efficientnet-b0) or a mapping with stages"), "baseline",
            defaultName: name, inherit: nil)

        var resolution = baseline.resolution
        if let node = entry("resolution")?.value {
            resolution = try r.int(node, "resolution", in: SearchSpace.resolutionRange, what: "a resolution in pixels")
        }

        // Decisions: the defaults for every block, then the per-block overrides.
        let decisionsNode = try required("decisions", "a mapping of field (or bundle name) to its options")
        let defaults = try decisionEntries(
            try r.mapping(decisionsNode, "decisions", what: "a mapping of field (or bundle name) to its options"),
            path: "decisions", allowRemoval: false)
        var overrides: [Int: (entries: [DecisionEntry], fixed: Bool)] = [:]
        if let node = entry("blocks")?.value {
            overrides = try blockOverrides(node, blocks: baseline.stages.count)
        }

        let (plans, decisions) = try blockPlans(baseline: baseline, defaults: defaults, overrides: overrides)
        try checkLargestPoint(
            baseline: baseline, plans: plans, decisions: decisions, resolution: resolution,
            at: entry("decisions")?.keyNode)
        guard !decisions.isEmpty else {
            throw r.fail(
                entry("decisions")!.keyNode, "decisions",
                "no decision has two or more options — the controller would have nothing to choose")
        }

        let rewardNode = try required("reward", "a mapping with metric, target and preset")
        let reward = try self.reward(rewardNode, key: entry("reward")!.keyNode)
        var proxy = ProxySettings()
        if let node = entry("proxy")?.value { proxy = try self.proxy(node) }
        var search = SearchSettings()
        var references: [Network] = []
        if let node = entry("search")?.value { (search, references) = try self.search(node, baseline: baseline, resolution: resolution) }

        let space = SearchSpace(
            name: name, file: file, baseline: baseline, plans: plans, decisions: decisions, resolution: resolution,
            reward: reward, proxy: proxy, search: search, references: references)
        // Belt and braces: the first point must be a valid network.
        _ = try space.architecture(for: Array(repeating: 0, count: decisions.count))
        return space
    }

    /// Each block's fixed settings and decisions: the defaults merged with its overrides, every
    /// option checked to give valid blocks.
    func blockPlans(
        baseline: Network, defaults: [DecisionEntry], overrides: [Int: (entries: [DecisionEntry], fixed: Bool)]
    ) throws(SearchSpaceError) -> ([SearchSpace.BlockPlan], [Decision]) {
        var plans: [SearchSpace.BlockPlan] = []
        var decisions: [Decision] = []
        for block in 1...baseline.stages.count {
            let override = overrides[block]
            let merged = try merge(defaults, override?.entries ?? [], fixed: override?.fixed ?? false, block: block)
            var fixed: [Setting] = []
            let start = decisions.count
            for item in merged where item.options.count == 1 { fixed += item.options[0] }
            for item in merged where item.options.count > 1 {
                decisions.append(Decision(block: block, key: item.key, options: item.labels, settings: item.options))
            }
            plans.append(.init(fixed: fixed, decisions: start..<decisions.count))
            // Every option must give valid blocks; fields act independently and strides never
            // change, so checking each option on its own covers every combination.
            for item in merged {
                for (label, (settings, node)) in zip(item.labels, zip(item.options, item.optionNodes)) {
                    for changed in Setting.apply(fixed + settings, to: baseline.stages[block - 1]) {
                        do {
                            try changed.validate()
                        } catch {
                            throw r.fail(node, item.path, "option '\(label)' makes block \(block) invalid: \(error)")
                        }
                    }
                }
            }
        }
        return (plans, decisions)
    }

    // MARK: Networks

    /// A model name, a list of stages (settings from `inherit`, else the file defaults), or a
    /// mapping: `model` or `stages`, plus any architecture-file setting (stem, head, …).
    func network(_ node: Node, _ field: String, defaultName: String, inherit: Network?)
        throws(SearchSpaceError) -> Network
    {
        switch node {
        case .scalar:
            return try named(node, field)
        case .sequence:
            return try decode(
                stagesNode: node, settings: [], base: inherit, mapping: node, field, defaultName: defaultName)
        case .mapping:
            let entries = try r.mapping(node, field)
            try r.checkKeys(entries, allowed: ["model", "stages"] + ArchitectureFile.settingKeys, field)
            let model = entries.first { $0.key == "model" }
            let stages = entries.first { $0.key == "stages" }
            var base = inherit
            if let model {
                guard stages == nil else {
                    throw r.fail(stages!.keyNode, "\(field).stages", "give either model or stages, not both")
                }
                base = try named(model.value, "\(field).model")
            } else if stages == nil {
                throw r.fail(
                    node, "\(field).stages", "missing — expected a list of stages (timm block strings) or a model")
            }
            let settings = entries.filter { $0.key != "model" && $0.key != "stages" }
            return try decode(
                stagesNode: stages?.value, settings: settings, base: base, mapping: node, field,
                defaultName: model == nil ? defaultName : base!.name)
        case .alias:
            throw r.fail(node, field, "expected a model name or a mapping, found an alias")
        }
    }

    func named(_ node: Node, _ field: String) throws(SearchSpaceError) -> Network {
        let name = try r.string(node, field, what: "a model name")
        do {
            return try NamedModels.network(named: name)
        } catch {
            throw r.fail(
                node, field,
                "unknown model '\(name)'\(suggestion(name, NamedModels.names)) (expected one of \(NamedModels.names.joined(separator: ", ")), or a mapping with stages)"
            )
        }
    }

    /// A network from the base's settings (if any), the explicit ones and the stages, through
    /// `ArchitectureFile`'s typed steps: the file's rules and messages, each error at its node.
    func decode(
        stagesNode: Node?, settings: Entries, base: Network?, mapping: Node, _ field: String, defaultName: String
    ) throws(SearchSpaceError) -> Network {
        var explicit: [(key: String, node: Node, value: String)] = []
        for key in ArchitectureFile.settingKeys {
            guard let entry = settings.first(where: { $0.key == key }) else { continue }
            let value = try r.scalar(entry.value, "\(field).\(key)", what: "a value")
            // '#' starts a comment in an architecture file, so no exported file could hold it.
            guard !value.contains("#") else { throw r.fail(entry.value, "\(field).\(key)", "'#' is not allowed here") }
            explicit.append((key, entry.value, value))
        }
        let stages = try self.stages(stagesNode, base: base, mapping: mapping, field)
        var values = base.map(ArchitectureFile.Settings.init) ?? .init()
        try? values.set("name", to: defaultName)  // a name is any text: never refused
        for (key, node, value) in explicit {
            do throws(ArchitectureError) {
                try values.set(key, to: value)
            } catch {
                throw r.fail(node, "\(field).\(key)", error.description)
            }
        }
        // Network-level errors point at the explicit setting, else at the stages.
        let anchor = stagesNode ?? mapping
        let stagesPath = stagesNode == nil ? field : "\(field).stages"
        let network: Network
        do throws(ArchitectureError) {
            network = try values.network(stages: stages.map(\.stage), name: defaultName)
        } catch {
            guard case .invalidNetwork(let key, let value, let expected) = error else {
                throw r.fail(anchor, stagesPath, error.description)
            }
            if let setting = explicit.first(where: { $0.key == key }) {
                throw r.fail(setting.node, "\(field).\(key)", "\(value) — expected \(expected)")
            }
            throw r.fail(anchor, stagesPath, error.description)
        }
        for (index, (stage, node, path)) in stages.enumerated() {
            do throws(ArchitectureError) {
                try stage.checkDeclaredInputs(stage: index, of: network)
            } catch {
                throw r.fail(node, path, error.description)
            }
        }
        return network
    }

    /// The stages, from the space's `stages` (each a string of block strings or a list of
    /// them) or the base network, with the YAML node and path each error points at.
    func stages(_ stagesNode: Node?, base: Network?, mapping: Node, _ field: String) throws(SearchSpaceError)
        -> [(stage: ArchitectureFile.Stage, node: Node, path: String)]
    {
        guard let stagesNode else {
            return (base?.stages ?? []).map { (ArchitectureFile.Stage(blocks: $0), mapping, field) }
        }
        let path = "\(field).stages"
        guard case .sequence(let nodes) = stagesNode, !nodes.isEmpty else {
            throw r.fail(
                stagesNode, path,
                "expected a list of stages, each timm (or TF) block strings, found \(r.kind(stagesNode))")
        }
        // Every stage's strings are read before any is decoded, as the lines of a file are.
        var lines: [(text: String, node: Node)] = []
        for node in nodes {
            var strings: [String] = []
            for item in r.list(node) {
                let text = try r.string(item, path, what: "block strings such as ir_r2_k3_s2_e6_c24_se0.25")
                // As in a file: ':' would make a setting, '#' a comment.
                guard !text.contains(":"), !text.contains("#") else {
                    throw r.fail(item, path, "'\(text)' — expected block strings such as ir_r2_k3_s2_e6_c24_se0.25")
                }
                strings.append(text)
            }
            guard !strings.isEmpty else {
                throw r.fail(node, path, "an empty stage — expected at least one block string")
            }
            lines.append((strings.joined(separator: " "), node))
        }
        var stages: [(stage: ArchitectureFile.Stage, node: Node, path: String)] = []
        for (text, node) in lines {
            let stage: ArchitectureFile.Stage
            do throws(ArchitectureError) {
                stage = try ArchitectureFile.Stage(text)
            } catch {
                throw r.fail(node, path, error.description)
            }
            // Blank strings: refused here, where a file would skip the blank line.
            guard !stage.blocks.isEmpty else {
                throw r.fail(node, path, "an empty stage — expected at least one block string")
            }
            stages.append((stage, node, path))
        }
        return stages
    }

    // MARK: Decisions

    func decisionEntries(_ entries: Entries, path: String, allowRemoval: Bool) throws(SearchSpaceError)
        -> [DecisionEntry]
    {
        var result: [DecisionEntry] = []
        for (key, keyNode, value) in entries {
            let entryPath = "\(path).\(key)"
            var item = DecisionEntry(key: key, keyNode: keyNode, path: entryPath)
            let field = Field(rawValue: key)
            if r.isNull(value) {
                guard allowRemoval else {
                    throw r.fail(value, entryPath, "expected a list of options, found nothing")
                }
                item.removes = true
                result.append(item)
                continue
            }
            if case .mapping = value {
                throw r.fail(
                    value, entryPath,
                    "expected a list of options, found a mapping (write a bundle as an item of a list: [{kernel: 3, expansion: 6}, …])"
                )
            }
            let options = r.list(value)
            guard !options.isEmpty else {
                throw r.fail(value, entryPath, "empty option list — a decision needs at least one option")
            }
            guard options.count <= Decision.maxOptions else {
                throw r.fail(
                    value, entryPath, "\(options.count) options — expected at most \(Decision.maxOptions) per decision")
            }
            for option in options {
                let settings: [Setting]
                let label: String
                switch option {
                case .mapping:
                    (settings, label) = try bundle(option, entryPath)
                case .scalar:
                    guard let field else {
                        throw r.fail(
                            keyNode, entryPath,
                            "unknown field\(suggestion(key, Field.allCases.map(\.rawValue))) (fields: \(Field.allCases.map(\.rawValue).joined(separator: ", ")); a decision with another name lists bundles such as {kernel: 3, expansion: 6})"
                        )
                    }
                    let setting = try self.setting(field, option, entryPath)
                    (settings, label) = ([setting], setting.label)
                default:
                    throw r.fail(option, entryPath, "expected a value or a bundle of fields, found \(r.kind(option))")
                }
                guard !item.labels.contains(label) else {
                    throw r.fail(option, entryPath, "option '\(label)' appears twice")
                }
                item.options.append(settings)
                item.labels.append(label)
                item.optionNodes.append(option)
            }
            // Each field is chosen by one decision per level.
            for other in result where !other.removes && !other.fields.isDisjoint(with: item.fields) {
                let shared = Field.allCases.filter { other.fields.contains($0) && item.fields.contains($0) }
                throw r.fail(
                    keyNode, entryPath,
                    "sets \(shared.map(\.rawValue).joined(separator: ", ")), already set by '\(other.key)' at line \(other.keyNode.mark?.line ?? 0) — a field is chosen by one decision per block"
                )
            }
            result.append(item)
        }
        return result
    }

    /// `{kernel: 3, expansion: 6, label: k3e6}`: settings in the order written and a label.
    func bundle(_ node: Node, _ path: String) throws(SearchSpaceError) -> ([Setting], String) {
        let entries = try r.mapping(node, path)
        try r.checkKeys(entries, allowed: Field.allCases.map(\.rawValue) + ["label"], path)
        var settings: [Setting] = []
        var label: String?
        for (key, _, value) in entries {
            if key == "label" {
                label = try r.string(value, "\(path).label", what: "a label")
            } else {
                settings.append(try setting(Field(rawValue: key)!, value, "\(path).\(key)"))
            }
        }
        guard !settings.isEmpty else { throw r.fail(node, path, "a bundle must set at least one field") }
        return (settings, label ?? settings.map { "\($0.field.rawValue)=\($0.label)" }.joined(separator: " "))
    }

    static let operatorAliases: [String: Operator] = [
        "ir": .mbconv, "er": .fusedMBConv, "ds": .depthwiseSeparable, "cn": .conv,
    ]

    func setting(_ field: Field, _ node: Node, _ path: String) throws(SearchSpaceError) -> Setting {
        func number(_ what: String, _ ok: (Double) -> Bool, _ expected: String) throws(SearchSpaceError) -> Double {
            let value = try r.double(node, path, what: what)
            guard ok(value) else {
                throw r.fail(node, path, "\(Formatting.shortest(value)) is out of range — expected \(expected)")
            }
            return value
        }
        switch field {
        case .op:
            let text = try r.string(node, path, what: "an operator")
            if let op = Operator(rawValue: text.lowercased()) ?? Self.operatorAliases[text.lowercased()] {
                return .op(op)
            }
            let names = Operator.allCases.map(\.rawValue)
            throw r.fail(
                node, path,
                "unknown operator '\(text)'\(suggestion(text, names)) (expected \(names.joined(separator: ", ")), or ir, er, ds, cn)"
            )
        case .kernel:
            let text = try r.scalar(node, path, what: "a kernel size")
            let kernels = Block.kernelRange
            guard let kernel = Int(text), kernels.contains(kernel), kernel % 2 == 1 else {
                throw r.fail(
                    node, path, "'\(text)' — expected an odd kernel size from \(kernels.lowerBound) to \(kernels.upperBound)")
            }
            return .kernel(kernel)
        case .expansion:
            let range = Setting.expansionRange
            return .expansion(
                try number(
                    "an expansion ratio", { range.contains($0) },
                    "an expansion ratio from \(Formatting.shortest(range.lowerBound)) to \(Formatting.shortest(range.upperBound))"))
        case .se:
            return .se(
                try number("an SE ratio", { $0 >= 0 && $0 < 1 }, "an SE ratio in [0, 1) of the block input (0 = no SE)")
            )
        case .skip:
            let text = try r.string(node, path, what: "identity or none")
            switch text.lowercased() {
            case "identity": return .skip(true)
            case "none": return .skip(false)
            case "pooling": throw r.fail(node, path, "pooling skips are not supported — expected identity or none")
            default:
                throw r.fail(
                    node, path,
                    "unknown skip '\(text)'\(suggestion(text, ["identity", "none"])) (expected identity or none)")
            }
        case .filters:
            return .filters(
                try number(
                    "a filter multiplier", { $0 > 0 && $0 <= Setting.maxFilterMultiplier },
                    "a multiplier of the baseline's filters in (0, \(Formatting.shortest(Setting.maxFilterMultiplier))]"))
        case .layers:
            let text = try r.scalar(node, path, what: "a layer delta")
            let range = Setting.layerDeltaRange
            guard let delta = Int(text), range.contains(delta) else {
                throw r.fail(
                    node, path,
                    "'\(text)' — expected a whole number from \(range.lowerBound) to \(range.upperBound) added to the baseline's layers")
            }
            return .layers(delta)
        }
    }

    func blockOverrides(_ node: Node, blocks: Int) throws(SearchSpaceError) -> [Int: (
        entries: [DecisionEntry], fixed: Bool
    )] {
        var result: [Int: (entries: [DecisionEntry], fixed: Bool)] = [:]
        for (key, keyNode, value) in try r.mapping(node, "blocks", what: "a mapping of block number to its decisions") {
            guard let block = Int(key), (1...blocks).contains(block) else {
                throw r.fail(
                    keyNode, "blocks[\(key)]",
                    "'\(key)' is not a block — expected a block number from 1 to \(blocks) (the baseline's stages)")
            }
            let path = "blocks[\(block)]"
            guard result[block] == nil else { throw r.fail(keyNode, path, "block \(block) appears twice") }
            let entries = try r.mapping(value, path, what: "a mapping of decisions (and fixed: true)")
            var fixed = false
            if let fixedEntry = entries.first(where: { $0.key == "fixed" }) {
                fixed = try r.bool(fixedEntry.value, "\(path).fixed")
            }
            let items = try decisionEntries(entries.filter { $0.key != "fixed" }, path: path, allowRemoval: true)
            if fixed {
                for item in items where item.removes || item.options.count > 1 {
                    throw r.fail(
                        item.keyNode, item.path,
                        item.removes
                            ? "a fixed block takes no default decisions: nothing to remove"
                            : "a fixed block takes no decisions — give one option to set a value")
                }
            }
            result[block] = (items, fixed)
        }
        return result
    }

    /// A block's entries: the defaults (none if fixed) with the block's own applied. An
    /// override replaces the default of the same name and any default setting one of its
    /// fields, taking the first replaced one's place; `name: ~` removes a default.
    func merge(_ defaults: [DecisionEntry], _ overrides: [DecisionEntry], fixed: Bool, block: Int)
        throws(SearchSpaceError) -> [DecisionEntry]
    {
        var merged = fixed ? [] : defaults
        for item in overrides {
            if item.removes {
                guard let index = merged.firstIndex(where: { $0.key == item.key }) else {
                    throw r.fail(
                        item.keyNode, item.path,
                        "'\(item.key): ~' removes a default decision, but there is no default named '\(item.key)'")
                }
                merged.remove(at: index)
                continue
            }
            let replaced = merged.indices.filter {
                merged[$0].key == item.key || !merged[$0].fields.isDisjoint(with: item.fields)
            }
            let position = replaced.first ?? merged.count
            for index in replaced.reversed() { merged.remove(at: index) }
            merged.insert(item, at: min(position, merged.count))
        }
        return merged
    }
}
