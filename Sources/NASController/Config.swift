/// How the next architectures are chosen (Docs/CONTROLLER.md).
public enum StrategyKind: String, Codable, Sendable, CaseIterable {
    /// A learned policy trained with REINFORCE and a moving-average baseline.
    case reinforce
    /// Uniform over every decision; the baseline every other strategy must beat.
    case random
    /// Regularized (aging) evolution, Real et al. 2019, batch-synchronous.
    case evolution
}

/// The REINFORCE policy's form.
public enum PolicyKind: String, Codable, Sendable, CaseIterable {
    /// NASNet/MnasNet-style recurrent controller: one LSTM step per decision, the previous
    /// decision fed back as input.
    case lstm
    /// One independent softmax per decision (no interaction between decisions).
    case softmax
}

/// The controller's hyper-parameters. Every field has a default (chosen by the measurement in
/// Docs/CONTROLLER.md); decoding accepts a partial object and fills the rest with defaults.
public struct ControllerConfig: Codable, Hashable, Sendable {
    public var strategy: StrategyKind = .reinforce
    public var policy: PolicyKind = .lstm
    /// LSTM hidden units (and embedding width).
    public var hiddenSize = 100
    /// Adam step size.
    public var learningRate = 0.003
    /// Adam step size of each decision's own logit offsets (the LSTM's output biases v_t), when
    /// set: they act like the softmax policy's independent logits and can move as fast, while
    /// the shared LSTM weights keep the small step. nil = `learningRate` for every parameter.
    public var biasLearningRate: Double?
    /// PPO-style updates (MnasNet trained its controller with PPO): this many clipped passes
    /// over each batch, each one Adam step on −min(r·A, clip(r, 1 ± ppoClip)·A) with
    /// r = π_θ(a)/π_old(a). nil or 1 = one plain REINFORCE step.
    public var ppoEpochs: Int?
    /// PPO's clip range ε (used when `ppoEpochs` > 1).
    public var ppoClip: Double?
    /// λ in −Σ(R − b)·log π − λ·H; H is the sum of the per-decision entropies of a trial.
    public var entropyWeight = 0.01
    /// Moving-average baseline: b ← decay·b + (1 − decay)·mean(batch rewards).
    public var baselineDecay = 0.7
    /// Divide advantages by the running root-mean-square advantage (same decay as the baseline).
    public var normalizeAdvantage = true
    /// Logits are C·tanh(u/C) (ENAS-style soft clip; 0 turns it off).
    public var tanhConstant = 2.5
    /// Clip the loss gradient to this global L2 norm before Adam (0 turns it off).
    public var gradientClip = 5.0
    /// LSTM parameters start uniform in ±initRange (the softmax policy starts at zero: uniform).
    public var initRange = 0.1
    /// Evolution: members kept (oldest dropped first).
    public var population = 32
    /// Evolution: members drawn (with replacement) per tournament.
    public var tournament = 25

    public init() {}

    /// The policy a new search gets when it names none: the independent softmaxes, the fastest
    /// REINFORCE on the tabular benchmark (Docs/CONTROLLER.md). `init()` stays the LSTM's,
    /// because that is what a stored configuration without these fields means.
    public static let recommendedPolicy = PolicyKind.softmax

    /// The measured settings of a policy for new searches. The independent softmaxes take a
    /// much larger step (0.2); the LSTM takes its output biases' own step (0.1) and two PPO
    /// passes per batch, which make it move from the first batches (Docs/CONTROLLER.md).
    public static func recommended(policy: PolicyKind) -> ControllerConfig {
        var config = ControllerConfig()
        config.policy = policy
        switch policy {
        case .softmax: config.learningRate = 0.2
        case .lstm:
            config.biasLearningRate = 0.1
            config.ppoEpochs = 2
        }
        return config
    }

    /// Throws the first invalid field.
    public func validate() throws(ControllerError) {
        func check(_ ok: Bool, _ field: String, _ value: CustomStringConvertible, _ expected: String)
            throws(ControllerError)
        {
            if !ok { throw .invalidConfig(field: field, value: value.description, expected: expected) }
        }
        try check(hiddenSize >= 1, "hiddenSize", hiddenSize, ">= 1")
        try check(learningRate.isFinite && learningRate > 0, "learningRate", learningRate, "> 0")
        if let ppoEpochs { try check(ppoEpochs >= 1 && ppoEpochs <= 100, "ppoEpochs", ppoEpochs, "in 1...100") }
        if let ppoClip { try check(ppoClip.isFinite && ppoClip > 0 && ppoClip < 1, "ppoClip", ppoClip, "in (0, 1)") }
        if let biasLearningRate {
            try check(biasLearningRate.isFinite && biasLearningRate > 0, "biasLearningRate", biasLearningRate, "> 0")
        }
        try check(entropyWeight.isFinite && entropyWeight >= 0, "entropyWeight", entropyWeight, ">= 0")
        try check(baselineDecay >= 0 && baselineDecay < 1, "baselineDecay", baselineDecay, "in [0, 1)")
        try check(tanhConstant.isFinite && tanhConstant >= 0, "tanhConstant", tanhConstant, ">= 0")
        try check(gradientClip.isFinite && gradientClip >= 0, "gradientClip", gradientClip, ">= 0")
        try check(initRange.isFinite && initRange >= 0, "initRange", initRange, ">= 0")
        try check(population >= 2, "population", population, ">= 2")
        try check(tournament >= 1 && tournament <= population, "tournament", tournament,
                  "in 1...population (\(population))")
    }

    /// The fields a config file or `--controller FIELD=VALUE` may set.
    public static var fieldNames: [String] { CodingKeys.allCases.map(\.rawValue) }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case strategy, policy, hiddenSize, learningRate, biasLearningRate, ppoEpochs, ppoClip, entropyWeight, baselineDecay
        case normalizeAdvantage, tanhConstant, gradientClip, initRange, population, tournament
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ControllerConfig()
        strategy = try c.decodeIfPresent(StrategyKind.self, forKey: .strategy) ?? d.strategy
        policy = try c.decodeIfPresent(PolicyKind.self, forKey: .policy) ?? d.policy
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? d.hiddenSize
        learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate) ?? d.learningRate
        biasLearningRate = try c.decodeIfPresent(Double.self, forKey: .biasLearningRate) ?? d.biasLearningRate
        ppoEpochs = try c.decodeIfPresent(Int.self, forKey: .ppoEpochs) ?? d.ppoEpochs
        ppoClip = try c.decodeIfPresent(Double.self, forKey: .ppoClip) ?? d.ppoClip
        entropyWeight = try c.decodeIfPresent(Double.self, forKey: .entropyWeight) ?? d.entropyWeight
        baselineDecay = try c.decodeIfPresent(Double.self, forKey: .baselineDecay) ?? d.baselineDecay
        normalizeAdvantage = try c.decodeIfPresent(Bool.self, forKey: .normalizeAdvantage) ?? d.normalizeAdvantage
        tanhConstant = try c.decodeIfPresent(Double.self, forKey: .tanhConstant) ?? d.tanhConstant
        gradientClip = try c.decodeIfPresent(Double.self, forKey: .gradientClip) ?? d.gradientClip
        initRange = try c.decodeIfPresent(Double.self, forKey: .initRange) ?? d.initRange
        population = try c.decodeIfPresent(Int.self, forKey: .population) ?? d.population
        tournament = try c.decodeIfPresent(Int.self, forKey: .tournament) ?? d.tournament
    }
}

/// Everything the controller can refuse; each prints as one line.
public enum ControllerError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidConfig(field: String, value: String, expected: String)
    case noDecisions
    case invalidDecisionSize(index: Int, size: Int)
    /// `update` called with different numbers of decision rows and rewards.
    case mismatchedUpdate(decisions: Int, rewards: Int)
    /// A decision row of the wrong length, or an index outside its decision's range.
    case invalidDecisions(trial: Int, detail: String)
    case invalidCount(Int)
    case undecodableState(String)

    public var description: String {
        switch self {
        case .invalidConfig(let field, let value, let expected):
            "controller config: \(field) = \(value), expected \(expected)"
        case .noDecisions:
            "controller: the search space has no decisions"
        case .invalidDecisionSize(let index, let size):
            "controller: decision \(index) has \(size) options, expected at least 1"
        case .mismatchedUpdate(let decisions, let rewards):
            "controller update: \(decisions) decision rows but \(rewards) rewards"
        case .invalidDecisions(let trial, let detail):
            "controller update: trial \(trial): \(detail)"
        case .invalidCount(let count):
            "controller: cannot propose \(count) architectures, expected at least 0"
        case .undecodableState(let detail):
            "controller state: \(detail)"
        }
    }
}

/// A snapshot for logs and progress lines.
public struct ControllerStatistics: Codable, Hashable, Sendable {
    /// `update` calls so far (batches, including all-failed ones).
    public var updates: Int
    /// Trials fed to `update` so far, and how many of them failed (nil or non-finite reward).
    public var trials: Int
    public var failures: Int
    /// REINFORCE's moving-average baseline (nil before the first successful trial, and for
    /// random and evolution).
    public var baseline: Double?
    /// Mean reward of the last batch's successful trials (nil if none succeeded).
    public var meanReward: Double?
    /// Mean nats per decision. REINFORCE: the policy's entropy at each step of its greedy path
    /// (exact for the softmax policy). Random: mean ln(options). Evolution: entropy of the
    /// population's empirical distribution of each decision (nil while empty).
    public var entropy: Double?
    /// The best reward seen so far (the one `mostLikely()` returns for random and evolution).
    public var bestReward: Double?
    /// Evolution: members currently in the population (nil for the other strategies).
    public var populationSize: Int?
}
