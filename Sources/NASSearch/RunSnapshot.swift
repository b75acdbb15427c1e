import Foundation
import NASArchitecture
import NASSearchSpace
import NASStore

/// A run as it stood at one moment, read once: its record, configuration, space, trials and
/// the controller's saved state. Status, report and export all present one snapshot, so no
/// view mixes two reads of a run that a search is still writing. Read without the run's lock
/// and without changing anything.
public struct RunSnapshot: Sendable {
    public let location: RunLocation
    public let run: RunRecord
    public let config: SearchConfig
    public let space: SearchSpace
    /// Every trial, references included, in number order (a trial's number is its index).
    public let trials: [StoredTrial]
    /// The controller's saved state and the last batch it learned from; nil before its first save.
    public let controller: (batch: Int, state: Data)?

    /// Reads a run folder or a run in a database.
    public static func load(_ location: RunLocation) throws(SearchError) -> RunSnapshot {
        let store = try location.store(.read)
        let run = try location.record(in: store)
        let (config, space) = try Search.decode(run)
        // The controller's state first: it is saved together with the batch it proposes, so
        // every trial it has seen is among those read after it.
        let controller = try Search.storeCall { try store.controllerState(run: run.id) }
        let records = try Search.storeCall { try store.trials(run: run.id) }
        return RunSnapshot(
            location: location, run: run, config: config, space: space,
            trials: records.sorted { $0.number < $1.number }.map(StoredTrial.init), controller: controller)
    }

    /// The trial numbered `number`, if the run has it.
    public func trial(number: Int) -> StoredTrial? {
        trials.indices.contains(number) && trials[number].record.number == number
            ? trials[number] : trials.first { $0.record.number == number }
    }
}

/// A trial as read from the store, its architecture decoded once, here: the one place stored
/// architecture text becomes a `Network` (`NewTrial(network:…)` is the way back).
public struct StoredTrial: Sendable, RankedTrial {
    public let record: TrialRecord
    /// The decoded architecture, or why the stored text does not decode.
    public let network: Result<Network, ArchitectureError>

    public init(_ record: TrialRecord) {
        self.record = record
        network = Result { () throws(ArchitectureError) in try record.decodedNetwork() }
    }

    public var number: Int { record.number }
    public var batch: Int { record.batch }
    public var role: TrialRole { record.role }
    public var completeReward: Double? { record.completeReward }
}

extension TrialRecord {
    /// The trial's architecture; a stored file without a name is called `trial-N`.
    public func decodedNetwork() throws(ArchitectureError) -> Network {
        try ArchitectureFile.decode(architecture, name: "trial-\(number)")
    }
}

extension NewTrial {
    /// A trial of `network`, stored as its canonical architecture file. A reference goes in
    /// batch 0 and a leader evaluation in a later one (`TrialRole`).
    public init(batch: Int, network: Network, decisions: [Int], seed: UInt64, role: TrialRole = .sampled, rung: Int = 0) {
        precondition(TrialRole(isReference: role != .sampled, batch: batch, rung: rung) == role,
                     "a \(role.rawValue) trial cannot go in batch \(batch) at rung \(rung)")
        self.init(batch: batch, architecture: ArchitectureFile.encode(network), decisions: decisions, seed: seed,
                  isReference: role != .sampled, rung: rung)
    }
}
