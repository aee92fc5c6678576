import DQBFTCore

extension Simulation {
    /// `fuzz`: sends what `Fuzz.plan` makes of `m` for each of `targets`.
    func sendFuzzed(_ m: WireMessage, from i: Int, to targets: [Int], at t: SimTime) {
        var rng = fuzzRandoms[i] ?? Fuzz.random(seed: options.seed, replica: i)
        for j in targets {
            for (message, to) in Fuzz.plan(m, to: j, from: i, replicas: n, rng: &rng) {
                transmit(Packet(from: Int32(i), message: message, size: message.encodedSize + frameOverhead), from: i, to: to, at: t)
            }
        }
        fuzzRandoms[i] = rng
    }
}
