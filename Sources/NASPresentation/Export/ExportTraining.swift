import NASArchitecture
import NASSearch
import NASSearchSpace

/// A run's trial as `nas train RUN --trial N` trains it again: its architecture, and the
/// recipe and seed the search evaluated it with (its data, resolution, width, stem stride,
/// budget…), which the command's own options override (a longer budget, say).
public struct TrialTraining: Sendable {
    public var network: Network
    public var trial: TrialSummary
    /// The trial's recipe: its promotion rung's, else the run's proxy (`SearchConfig.proxy(batch:rung:)`).
    public var proxy: ProxySettings
}

extension Export {
    /// The trial `selector` names ("best", "leader", "promoted" or a number, as for the other
    /// exports) with its recipe. A fidelity study is refused: its trials are candidates at
    /// several budgets, not a search's result.
    public static func training(_ location: RunLocation, trial selector: String) throws(SearchError) -> TrialTraining {
        let snapshot = try RunSnapshot.load(location)
        if snapshot.config.fidelity != nil {
            throw .invalid("\(location) is a fidelity study (nas fidelity), not a search: its trials are candidates trained at several budgets, none of them a result to train; give an architecture file, or a search's run")
        }
        let (summary, network, _) = try trial(snapshot, selector: selector)
        return TrialTraining(network: network, trial: summary, proxy: snapshot.config.proxy(batch: summary.batch, rung: summary.rung ?? 0))
    }
}
