@testable import NASController

extension Controller {
    /// The REINFORCE strategy's state (traps for the other strategies).
    var reinforce: ReinforceStrategy { strategy as! ReinforceStrategy }
}
