import Foundation
import Yams

/// Reads a composed YAML tree with every refusal pointing at a line and a field path.
/// Values are read from the scalar text, so `5`, `"5"` and `'5'` are the same number.
struct YAMLReader {
    let file: String

    func fail(_ node: Node?, _ field: String, _ message: String) -> SearchSpaceError {
        SearchSpaceError(file: file, line: node?.mark?.line, field: field, message: message)
    }

    /// Composes the text; YAML syntax errors keep libyaml's line.
    func compose(_ text: String) throws(SearchSpaceError) -> Node {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw yamlError(error, text: text)
        } catch {
            throw SearchSpaceError(file: file, line: nil, field: "", message: "YAML: \(error)")
        }
        guard let root, !isNull(root) else {
            throw SearchSpaceError(
                file: file, line: nil, field: "",
                message: "empty file — expected a mapping with name, baseline, decisions, reward")
        }
        return root
    }

    private func yamlError(_ error: YamlError, text: String) -> SearchSpaceError {
        func make(_ line: Int?, _ message: String) -> SearchSpaceError {
            SearchSpaceError(file: file, line: line, field: "", message: "YAML syntax: \(message)")
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let while_ = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return make(mark.line, problem + while_)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return make(context.mark.line, "key \(keys) appears more than once in one mapping (first at this line)")
        case .reader(let problem, let offset, _, _):
            let line = offset.map { offset in text.prefix(offset).reduce(1) { $1 == "\n" ? $0 + 1 : $0 } }
            return make(line, problem)
        default:
            return make(nil, "\(error)")
        }
    }

    // MARK: Shapes

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    func kind(_ node: Node) -> String {
        switch node {
        case .mapping(let mapping): mapping.isEmpty ? "an empty mapping" : "a mapping"
        case .sequence(let sequence): sequence.isEmpty ? "an empty list" : "a list"
        case .alias: "an alias"
        case .scalar: isNull(node) ? "nothing" : "'\(node.scalar!.string)'"
        }
    }

    /// A mapping's entries in file order; keys must be plain scalars.
    func mapping(_ node: Node, _ field: String, what: String = "a mapping")
        throws(SearchSpaceError) -> [(key: String, keyNode: Node, value: Node)]
    {
        guard case .mapping(let mapping) = node else {
            throw fail(node, field, "expected \(what), found \(kind(node))")
        }
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw fail(key, field, "a key must be a plain name, found \(kind(key))")
            }
            entries.append((scalar.string, key, value))
        }
        return entries
    }

    /// Refuses keys outside `allowed`, suggesting the nearest one.
    func checkKeys(
        _ entries: [(key: String, keyNode: Node, value: Node)], allowed: [String], _ field: String
    ) throws(SearchSpaceError) {
        for entry in entries where !allowed.contains(entry.key) {
            let path = field.isEmpty ? entry.key : "\(field).\(entry.key)"
            throw fail(
                entry.keyNode, path,
                "unknown key\(suggestion(entry.key, allowed)) (expected one of \(allowed.joined(separator: ", ")))")
        }
    }

    func scalar(_ node: Node, _ field: String, what: String) throws(SearchSpaceError) -> String {
        guard case .scalar(let scalar) = node, !isNull(node) else {
            throw fail(node, field, "expected \(what), found \(kind(node))")
        }
        guard !scalar.string.contains(where: \.isNewline) else {
            throw fail(node, field, "expected \(what) on one line")
        }
        return scalar.string
    }

    func string(_ node: Node, _ field: String, what: String = "a name") throws(SearchSpaceError) -> String {
        let text = try scalar(node, field, what: what).trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw fail(node, field, "expected \(what), found an empty string") }
        return text
    }

    func int(_ node: Node, _ field: String, in range: ClosedRange<Int>, what: String = "a whole number")
        throws(SearchSpaceError) -> Int
    {
        let text = try scalar(node, field, what: what)
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw fail(node, field, "'\(text)' is not \(what)")
        }
        guard range.contains(value) else {
            throw fail(
                node, field,
                "\(value) is out of range — expected \(what) from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func double(_ node: Node, _ field: String, what: String = "a number") throws(SearchSpaceError) -> Double {
        let text = try scalar(node, field, what: what)
        guard let value = Double(text.replacingOccurrences(of: "_", with: "")) else {
            throw fail(node, field, "'\(text)' is not \(what)")
        }
        guard value.isFinite else { throw fail(node, field, "'\(text)' is not finite — expected \(what)") }
        return value
    }

    func bool(_ node: Node, _ field: String) throws(SearchSpaceError) -> Bool {
        let text = try scalar(node, field, what: "true or false")
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw fail(node, field, "'\(text)' — expected true or false")
        }
    }

    /// A list, or one value standing for a list of one.
    func list(_ node: Node) -> [Node] {
        if case .sequence(let sequence) = node { return Array(sequence) }
        return [node]
    }
}

/// " — did you mean 'x'?" when a candidate is close enough to be a typo, else "".
func suggestion(_ word: String, _ candidates: [String]) -> String {
    let lowered = word.lowercased()
    let scored = candidates.map { (candidate: $0, distance: editDistance(lowered, $0.lowercased())) }
    guard let best = scored.min(by: { $0.distance < $1.distance }),
        best.distance <= max(2, best.candidate.count / 3)
    else { return "" }
    return " — did you mean '\(best.candidate)'?"
}

/// Levenshtein distance.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
