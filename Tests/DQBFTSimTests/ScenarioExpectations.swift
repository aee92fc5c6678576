import Testing

@testable import DQBFTSim

extension SweepScenario {
    /// Runs the scenario and expects it safe and live, naming the replay command in
    /// any failure (the body of every seed-scenario test).
    func expectSafeAndLive() throws {
        let report = try Simulation(options: options).run()
        #expect(report.safety == "ok", "\(report.safety_violations); replay: \(replay)")
        #expect(report.liveness == "ok", "\(report.liveness); replay: \(replay)")
    }
}
