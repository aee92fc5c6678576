import Testing

@testable import DQBFTSim

/// The check the fault-recovery suites share: run `options` (with a per-second
/// timeline), then require safety, liveness (every client and correct replica moves
/// in the final window, whose throughput is at least half the fault-free run's) and
/// that second `after` is back to at least half of second `before`. Every failure
/// names the seed and `command`, the `dqbft simulate` line that replays the run.
func expectThroughputRecovers(_ options: SimulationOptions, command: String, before: Int, after: Int) throws {
    var o = options
    o.timeline = true
    let r = try Simulation(options: o).run()
    let timeline = (r.timeline ?? []).map(\.throughput_ops)
    try #require(timeline.count == Int(o.durationSeconds.rounded(.up)) && timeline.count > after, "seed \(o.seed): no timeline; replay: \(command)")
    let was = timeline[before], now = timeline[after]
    #expect(r.safety == "ok", "seed \(o.seed): \(r.safety_violations); replay: \(command)")
    #expect(r.liveness == "ok", "seed \(o.seed): liveness \(r.liveness), timeline \(timeline); replay: \(command)")
    #expect(r.recovery_ratio != nil, "seed \(o.seed): no fault-free reference; replay: \(command)")
    #expect(was > 0 && now * 2 >= was,
            "seed \(o.seed): \(now) ops/s in second \(after) against \(was) in second \(before), timeline \(timeline); replay: \(command)")
}
