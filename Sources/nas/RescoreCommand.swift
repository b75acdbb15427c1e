import ArgumentParser
import NASFormatting
import NASPresentation
import NASSearch
import NASRecipe

struct RescoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rescore",
        abstract: "Score a weight-sharing run's verified architectures again with a supernet and rank them against their stand-alone training.",
        discussion: """
            Changes nothing in the run. The supernet is the run's own (RUN/supernet.checkpoint)
            or, with --supernet, another run's of the same space and proxy — how a different
            schedule of the shared weights ranks the same stand-alone trainings
            (Docs/WEIGHT_SHARING.md). Example:
              nas rescore Runs/oneshot-mnasnet-shared --supernet other/supernet.checkpoint --score-batch-norm recalibrate
            """
    )

    @Argument(help: "A finished weight-sharing run folder (with --storage, the run's name).")
    var runDirectory: String

    @OptionGroup var storage: StorageOptions

    @Option(help: "A supernet checkpoint of the same space and proxy (default: the run's own).")
    var supernet: String?

    @Option(help: "Batch norm when scoring: batch or recalibrate (default: the run's).")
    var scoreBatchNorm: OneShotPlan.BatchNormScoring?

    @Option(help: "Training batches to re-estimate batch norm on, with recalibrate (default: the run's).")
    var recalibration: Int?

    @Option(help: "Validation images each architecture is scored on (default: the run's verification's).")
    var images: Int?

    @Option(help: "Threads for the kernels and OpenBLAS.")
    var threads = 1

    @Option(help: "Steps each architecture trains alone from its inherited weights before it is scored (the supernet is not changed).")
    var finetune = 0

    @Option(help: "The fine-tuning steps' learning rate (default: a tenth of the proxy's peak).")
    var finetuneRate: Float?

    @Flag(help: "Print the rescored weight-sharing summary as one JSON object.")
    var json = false

    func validate() throws {
        try storage.check(run: runDirectory)
        if let recalibration { try checkBound("--recalibration", recalibration, OneShotPlan.recalibrationRange) }
        if let images { try checkBound("--images", images, OneShotPlan.scoreImagesRange) }
        try checkBound("--threads", threads, TrainingConfig.threadsRange)
        try checkBound("--finetune", finetune, 0...100_000)
        if let finetuneRate, !(finetuneRate > 0 && finetuneRate.isFinite && finetuneRate <= 10) { throw ValidationError("--finetune-rate must be in (0, 10].") }
    }

    func run() throws {
        let snapshot = try RunSnapshot.load(storage.location(runDirectory))
        guard let before = RunStatus(snapshot).weightSharing else { throw ValidationError("\(runDirectory) is not a weight-sharing run.") }
        let options = OneShotRescore.Options(checkpoint: supernet, batchNorm: scoreBatchNorm, recalibration: recalibration, images: images, threads: threads,
                                                   finetune: finetune, finetuneRate: finetuneRate)
        let line = ProgressLine()
        let scores = try OneShotRescore.scores(snapshot, options: options) { done, total in
            if done == total || done % 5 == 0 { line.message("scored \(done)/\(total)") }
        }
        let after = before.rescored(scores)
        if json { return try printJSON(after) }
        for row in after.rescoreRows(before: before) { print(row) }
    }
}
