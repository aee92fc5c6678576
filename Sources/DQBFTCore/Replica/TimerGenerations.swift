/// The bookkeeping a shell needs to carry out `ReplicaEffect.setTimer` and
/// `.cancelTimer` with timers that cannot be taken back once scheduled (a queued
/// simulator event, a task already on an event loop): each arming hands out a
/// fresh generation for the firing to carry, and a firing counts only if its
/// generation is still the timer's current one. Both shells use it (the simulator
/// per replica, the runtime's protocol loop), so a timer means the same in both.
///
/// Guarantees: a firing is accepted (`fire` returns true) only for the latest
/// arming of its timer, at most once, and never after that timer was cancelled,
/// set again or `cancelAll` ran; timers are independent of each other.
/// Generations wrap after 2^32 armings of one timer; a firing that stale cannot
/// still be waiting in either shell.
public struct TimerGenerations: Sendable {
    /// Per timer, the generation its accepted firing must carry (or the one after it,
    /// once fired or cancelled).
    var current: [ReplicaTimer: UInt32] = [:]

    public init() {}

    /// Arms `timer` (replacing an armed one): returns the generation its firing carries.
    public mutating func arm(_ timer: ReplicaTimer) -> UInt32 {
        let generation = (current[timer] ?? 0) &+ 1
        current[timer] = generation
        return generation
    }

    /// Disarms `timer`: an outstanding firing of it is stale.
    public mutating func cancel(_ timer: ReplicaTimer) {
        current[timer, default: 0] &+= 1
    }

    /// A firing of `timer` with `generation` arrived: true if it is current (and
    /// then the timer is disarmed), false if stale.
    public mutating func fire(_ timer: ReplicaTimer, generation: UInt32) -> Bool {
        guard current[timer] == generation else { return false }
        current[timer] = generation &+ 1
        return true
    }

    /// Disarms every timer (a crash or a stop): every outstanding firing is stale.
    public mutating func cancelAll() {
        for key in Array(current.keys) { current[key]! &+= 1 }
    }
}
