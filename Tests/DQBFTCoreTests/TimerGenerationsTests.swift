import Testing
@testable import DQBFTCore

/// The timer rule both shells follow (`TimerGenerations`): only the latest arming
/// of a timer fires, once, and never after a cancel.
@Suite("Timer generations")
struct TimerGenerationsTests {
    @Test("a timer fires once, for its latest arming only; re-arming or cancelling makes earlier firings stale")
    func latestArmingFiresOnce() {
        var timers = TimerGenerations()
        let first = timers.arm(.batch)
        let second = timers.arm(.batch)
        let replacedFired = timers.fire(.batch, generation: first)
        let latestFired = timers.fire(.batch, generation: second)
        let firedTwice = timers.fire(.batch, generation: second)
        #expect(!replacedFired, "a replaced arming fired")
        #expect(latestFired, "the latest arming did not fire")
        #expect(!firedTwice, "one arming fired twice")

        let third = timers.arm(.batch)
        timers.cancel(.batch)
        let cancelledFired = timers.fire(.batch, generation: third)
        let rearmed = timers.arm(.batch)
        let rearmedFired = timers.fire(.batch, generation: rearmed)
        #expect(!cancelledFired, "a cancelled timer fired")
        #expect(rearmedFired, "a timer armed after a cancel did not fire")
    }

    @Test("timers are independent, and cancelling them all makes every outstanding firing stale")
    func independentTimersAndCancelAll() {
        var timers = TimerGenerations()
        let batch = timers.arm(.batch)
        let request = timers.arm(.request)
        timers.cancel(.request)
        let batchFired = timers.fire(.batch, generation: batch)
        let requestFired = timers.fire(.request, generation: request)
        #expect(batchFired, "cancelling one timer silenced another")
        #expect(!requestFired, "a cancelled timer fired")

        let gate = timers.arm(.orderGate)
        let watch = timers.arm(.orderWatch)
        timers.cancelAll()
        let gateFired = timers.fire(.orderGate, generation: gate)
        let watchFired = timers.fire(.orderWatch, generation: watch)
        let rearmed = timers.arm(.orderGate)
        let rearmedFired = timers.fire(.orderGate, generation: rearmed)
        #expect(!gateFired && !watchFired, "a timer fired after cancelAll")
        #expect(rearmedFired, "a timer armed after cancelAll did not fire")
    }
}
