/// Links of every node: an uplink and a downlink with a bandwidth. A message waits
/// for its sender's uplink (serialisation = size / bandwidth), travels the one-way
/// propagation delay (plus jitter), then waits for the receiver's downlink.
///
/// Guarantees: deterministic given its random generator; a node's uplink carries
/// one message at a time, so a broadcast of a large payload to N−1 peers costs
/// N−1 serialisations — the single-primary bottleneck the paper analyses.
/// Approximation: the downlink is reserved when the message is sent (in send
/// order), not when it arrives.
struct NetworkModel {
    /// Bytes per nanosecond of every replica's links.
    let bytesPerNano: Double
    /// Bytes per nanosecond of client machines' links (they aggregate many clients).
    let clientBytesPerNano: Double
    let topology: Topology
    /// Region of each node.
    let region: [Int]
    let jitterNanos: UInt64
    let lossProbability: Double
    var uplinkFree: [SimTime]
    var downlinkFree: [SimTime]
    var rng: SimRandom
    let isClientMachine: [Bool]

    init(nodeCount: Int, region: [Int], isClientMachine: [Bool], bandwidthMbps: Double, clientBandwidthMbps: Double,
         topology: Topology, jitterNanos: UInt64, lossProbability: Double, rng: SimRandom) {
        self.bytesPerNano = bandwidthMbps * 1e6 / 8 / 1e9
        self.clientBytesPerNano = clientBandwidthMbps * 1e6 / 8 / 1e9
        self.topology = topology
        self.region = region
        self.isClientMachine = isClientMachine
        self.jitterNanos = jitterNanos
        self.lossProbability = lossProbability
        self.uplinkFree = Array(repeating: 0, count: nodeCount)
        self.downlinkFree = Array(repeating: 0, count: nodeCount)
        self.rng = rng
    }

    @inline(__always) func serialisation(_ size: Int, node: Int) -> SimTime {
        SimTime(Double(size) / (isClientMachine[node] ? clientBytesPerNano : bytesPerNano))
    }

    /// Reserves the links for one message and returns when it is delivered, or nil
    /// if it is lost.
    mutating func transmit(from: Int, to: Int, size: Int, at now: SimTime) -> SimTime? {
        let departure = max(now, uplinkFree[from]) + serialisation(size, node: from)
        uplinkFree[from] = departure
        if lossProbability > 0 && rng.unit() < lossProbability { return nil }
        var arrival = departure + topology.oneWayNanos(region[from], region[to])
        if jitterNanos > 0 { arrival += rng.next() % (jitterNanos + 1) }
        let delivered = max(arrival, downlinkFree[to]) + serialisation(size, node: to)
        downlinkFree[to] = delivered
        return delivered
    }
}

/// The processors of one node: a pool of cores for message verification (which
/// runs in parallel, off the protocol loop) and the protocol loop itself, which
/// handles one event at a time.
///
/// Guarantees: work is never scheduled before it arrives; the pool never runs
/// more than `cores` jobs at once; the protocol loop is serial.
struct CPUModel {
    var coreFree: [SimTime]
    var loopFree: SimTime = 0
    /// Multiplies every cost (a slow node has factor > 1).
    var slowdown: Double = 1
    /// Nanoseconds of work done (for utilisation figures).
    var busyNanos: UInt64 = 0

    init(cores: Int) { coreFree = Array(repeating: 0, count: max(1, cores)) }

    /// Runs `verify` on the earliest free core, then `handle` on the protocol loop;
    /// returns when the handling ends.
    mutating func process(arrival: SimTime, verify: UInt64, handle: UInt64) -> SimTime {
        let v = UInt64(Double(verify) * slowdown), h = UInt64(Double(handle) * slowdown)
        var ready = arrival
        if v > 0 {
            var best = 0
            for i in 1..<coreFree.count where coreFree[i] < coreFree[best] { best = i }
            let start = max(arrival, coreFree[best])
            coreFree[best] = start + v
            ready = start + v
        }
        let start = max(ready, loopFree)
        loopFree = start + h
        busyNanos += v + h
        return loopFree
    }

    /// Runs `cost` (signing, combining) on the earliest free worker core once the
    /// loop reaches `after`; returns when it is done.
    mutating func offload(_ cost: UInt64, after: SimTime) -> SimTime {
        let c = UInt64(Double(cost) * slowdown)
        var best = 0
        for i in 1..<coreFree.count where coreFree[i] < coreFree[best] { best = i }
        let start = max(after, coreFree[best])
        coreFree[best] = start + c
        busyNanos += c
        return start + c
    }

    /// Adds work to the protocol loop after the current event (sending, signing).
    mutating func extend(by cost: UInt64) -> SimTime {
        let c = UInt64(Double(cost) * slowdown)
        loopFree += c
        busyNanos += c
        return loopFree
    }
}
