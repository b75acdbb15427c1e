import ArgumentParser
import Foundation
import NASController
import NASEvaluation
import NASSearch
import NASSearchSpace

extension StrategyKind: ExpressibleByArgument {}
extension PolicyKind: ExpressibleByArgument {}
extension RewardSettings.Preset: ExpressibleByArgument {}
extension RewardSettings.Metric: ExpressibleByArgument {}
extension OneShotPlan.BatchNormScoring: ExpressibleByArgument {}
extension OneShotPlan.PathSampling: ExpressibleByArgument {}

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Start a new architecture search in a run folder.",
        discussion: """
            Every trial and the controller's state go to RUN/trials.sqlite as they happen: kill the
            search at any moment and `nas resume RUN` carries on with nothing lost. Settings not
            given here come from the space file (Docs/SEARCH_SPACES.md).

            Examples:
              nas search --space SearchSpaces/quickstart.yaml --run Runs/quickstart
              nas search --space SearchSpaces/mnasnet.yaml --run Runs/b0 --trials 400 --preset hard --target 400M
              nas search --space SearchSpaces/mnasnet.yaml --run Runs/b0-pull --alpha=0.3 --beta=-1
              nas search --space SearchSpaces/quickstart.yaml --run Runs/pets --data pets/   (pets/<class>/*.jpg: your images)
              nas search --space SearchSpaces/mnasnet-shared.yaml --run Runs/shared --weight-sharing --shared-steps 4000
              nas search --space s.yaml --run r --evaluator "python3 train.py" --timeout 600 --workers 4
              nas search --space s.yaml --run b0 --storage postgresql://nas@db:5432/nas --workers 0   (then `nas worker` anywhere)
            """
    )

    @Option(help: "The search-space file (YAML).")
    var space: String

    @Option(name: .customLong("run"), help: "The run folder to create (must not exist or be empty); with --storage, the new run's name.")
    var runDirectory: String

    @Option(help: "Sampled trials in all (default: the space's search.trials).")
    var trials: Int?

    @Option(help: "Architectures per controller update (default: the space's search.batch).")
    var batch: Int?

    @Option(help: "reinforce, random or evolution (default: the space's search.strategy).")
    var strategy: StrategyKind?

    @Option(help: "REINFORCE policy: softmax (the default: independent softmaxes, step 0.2) or lstm (step 0.003, output biases 0.1, two PPO passes); Docs/CONTROLLER.md.")
    var policy: PolicyKind?

    @Option(name: .customLong("controller"), help: ArgumentHelp(
        "Set one controller field, e.g. --controller learningRate=0.01 or --controller biasLearningRate=0.1 (repeatable; fields in Docs/CONTROLLER.md).",
        valueName: "field=value"))
    var controllerFields: [String] = []

    @Option(help: "builtin (the shared trainer), a shell command that reads a trial as JSON on stdin and prints {\"accuracy\": …}, or dry-run[:SECONDS] (no training: a hash of the architecture, after SECONDS; for trying workers and storage).")
    var evaluator: String = "builtin"

    @Option(help: "Seconds before a command evaluator's trial is killed and failed.")
    var timeout: Double?

    @Option(help: "Cost target T: 400M (MACs), 75ms (latency).")
    var target: String?

    @Option(help: "Reward: soft (ACC × (F/T)^w, α = β = −0.07), hard (α = 0, β = −1) or absolute (TuNAS: ACC + w·|F/T − 1|, α = β = −0.1).")
    var preset: RewardSettings.Preset?

    @Option(help: "Reward exponent α, used when cost ≤ T (a negative value as --alpha=-0.07).")
    var alpha: Double?

    @Option(help: "Reward exponent β, used when cost > T (a negative value as --beta=-1).")
    var beta: Double?

    @Option(help: "Cost metric: macs, latency or training-aware.")
    var metric: RewardSettings.Metric?

    @Option(help: "Seed of the controller and of every trial.")
    var seed: UInt64 = 1

    @Option(help: "Training steps per candidate (overrides the space's proxy budget).")
    var steps: Int?

    @Option(help: "Training epochs per candidate (overrides the space's proxy budget).")
    var epochs: Double?

    @Option(help: ArgumentHelp("The proxy's data: your own images as DIR/<class>/*.jpg|png (or DIR/train/<class>/…, or a .tar.gz of either) make the proxy a folder one whose classes and channels the networks take; a cifar10 proxy keeps reading CIFAR-10 from here.", valueName: "path"))
    var data: String?

    @Option(help: ArgumentHelp("Run each trial of the --evaluator command as its own job: slurm (sbatch --wait; the trial JSON is the job's stdin, its stdout the result).", valueName: "system"))
    var submit: String?

    @Option(name: .customLong("sbatch-option"), help: ArgumentHelp("An sbatch option for each trial's job, e.g. --sbatch-option=--partition=cpu (repeatable).", valueName: "option"))
    var sbatchOptions: [String] = []

    @Option(help: "With --submit: the folder of the trials' job files, visible from the compute nodes (default: RUN/slurm-jobs, or with --storage ./slurm-jobs/NAME).")
    var jobsDir: String?

    @Option(help: "Evaluations of the controller's most likely architecture once the budget is spent; their mean is the search's result beside the best single trial (default: 3 for REINFORCE, 0 otherwise; 0 turns it off).")
    var leaderEvaluations: Int?

    @Option(help: ArgumentHelp("A promotion rung: each batch's best `top` fraction of the previous rung evaluated again at this budget with `seeds` seeds, e.g. --promote top=0.34,epochs=3 (repeatable, in order; 'none' for none; default with the built-in trainer: the best third at 3× the proxy's budget, 1 seed).", valueName: "top=F,seeds=N,key=value…"))
    var promote: [String] = []

    @Flag(help: "Save every trial's trained model in RUN/models (about 0.1–2 MB each at proxy width) for `nas export RUN --trial N --format onnx`.")
    var keepWeights = false

    @Flag(help: "Weight sharing: train one supernet (the space's largest network) one sampled path at a time and score candidates with its weights (Docs/WEIGHT_SHARING.md).")
    var weightSharing = false

    @Option(help: "With --weight-sharing: training steps of the shared weights, at the proxy's batch and recipe.")
    var sharedSteps = 2000

    @Option(help: "With --weight-sharing: fraction of the steps with uniformly drawn paths before the controller learns.")
    var warmup = 0.25

    @Option(help: "With --weight-sharing: shared-weight steps between controller updates.")
    var updateEvery = 1

    @Option(help: "With --weight-sharing: validation images each candidate is scored on (default: the proxy's batch).")
    var scoreImages: Int?

    @Option(help: "With --weight-sharing: batch norm when scoring, batch (the scoring batch's statistics) or recalibrate (re-estimated on training batches per candidate).")
    var scoreBatchNorm: OneShotPlan.BatchNormScoring = .batch

    @Option(help: "With --weight-sharing: paths trained after the warm-up, policy (TuNAS) or uniform (every architecture an equal share).")
    var pathSampling: OneShotPlan.PathSampling = .policy

    @Flag(help: "With --weight-sharing: each step also trains the space's largest network on the labels and its smallest on the largest's predictions, and the sampled path learns from them too (BigNAS's sandwich rule with in-place distillation; about 3 paths' cost per step).")
    var sandwich = false

    @Option(help: "With --weight-sharing: steps between checkpoints of the supernet (RUN/supernet.checkpoint).")
    var checkpointEvery = 100

    @Option(help: ArgumentHelp("With --weight-sharing: what is trained from scratch at the end, e.g. top=5,random=15,seeds=3,random-seeds=1,images=2000,sample=uniform,epochs=3 (these are the defaults; sample=macs spreads the random ones over the space's MACs range; the budget defaults to three times the proxy's; 'none' for none).", valueName: "key=value…"))
    var verify: String?

    @OptionGroup var runOptions: RunOptions

    @OptionGroup var storage: StorageOptions

    func validate() throws {
        // Bounds of the numbers are the library's (`SearchOptions.config`), checked when the
        // space is read; here only what makes no sense whatever the space.
        try storage.check(run: runDirectory)
        if !weightSharing && (scoreImages != nil || verify != nil || sharedSteps != 2000 || warmup != 0.25 || updateEvery != 1 || checkpointEvery != 100 || scoreBatchNorm != .batch || pathSampling != .policy || sandwich) {
            throw ValidationError("--shared-steps, --warmup, --update-every, --score-images, --score-batch-norm, --path-sampling, --sandwich, --checkpoint-every and --verify go with --weight-sharing.")
        }
        if submit == nil && (!sbatchOptions.isEmpty || jobsDir != nil) {
            throw ValidationError("--sbatch-option and --jobs-dir go with --submit slurm.")
        }
    }

    func run() throws {
        let (text, parsed) = try readSpace(space)
        var options = SearchOptions()
        options.trials = trials
        options.batch = batch
        options.strategy = strategy
        options.policy = policy
        options.controllerFields = controllerFields
        options.evaluator = evaluator
        options.timeout = timeout
        options.workers = runOptions.workers
        options.target = target
        options.preset = preset
        options.alpha = alpha
        options.beta = beta
        options.metric = metric
        options.seed = seed
        options.steps = steps
        options.epochs = epochs
        options.data = self.data
        options.keepWeights = keepWeights
        options.leaderEvaluations = leaderEvaluations
        options.promote = promote.isEmpty ? nil : promote
        if weightSharing {
            options.oneShot = OneShotPlan(
                steps: sharedSteps, warmup: warmup, interval: updateEvery, scoreImages: scoreImages ?? parsed.proxy.batch,
                batchNorm: scoreBatchNorm, checkpointEvery: checkpointEvery, pathSampling: pathSampling,
                sandwich: sandwich)
            options.verify = verify
        }
        if let submit {
            let jobs = jobsDir ?? (storage.storage == nil
                ? (runDirectory as NSString).appendingPathComponent("slurm-jobs")
                : "slurm-jobs/\(RunLocation.fileName(runDirectory))")  // a name like ../x must not leave ./slurm-jobs
            options.submit = SubmitSettings(system: submit, jobs: URL(fileURLWithPath: jobs).standardizedFileURL.path, options: sbatchOptions)
        }
        let config = try options.config(space: parsed, spaceFile: space)
        let search = try Search.create(location: storage.location(runDirectory), spaceText: text, config: config, dataCache: runOptions.cache, dataProgress: dataProgress())
        exitOnInterrupt(resume: storage.location(runDirectory).commandArguments)
        let progress = SearchProgress(quiet: runOptions.quiet)
        try search.run(events: progress.handle)
        if !runOptions.quiet {
            writeStandardError("see `nas status \(storage.location(runDirectory).commandArguments)`; export with `nas export \(storage.location(runDirectory).commandArguments) --format json`\n")
        }
    }
}
