/// Figures collected during a run. Only what happens after the warm-up counts
/// towards throughput and latency.
struct Metrics {
    var events = 0
    var completed = 0
    var measuredCompletions = 0
    var latenciesNanos: [UInt64] = []
    var repliesReceived = 0
    var retransmissions = 0
    var stateTransfers = 0
    /// Distinct "instance/view" pairs installed by correct replicas.
    var views: Set<String> = []
    var messagesSent: [Int]
    var bytesSent: [Int]
    /// Bytes sent by all replicas, per `TrafficClass`.
    var bytesByClass = [Int](repeating: 0, count: TrafficClass.count)
    var messagesByClass = [Int](repeating: 0, count: TrafficClass.count)
    /// CPU nanoseconds all replicas spent on receiving each `TrafficClass` (verifying,
    /// handling, and the sending and crypto that it caused).
    var cpuByClass = [UInt64](repeating: 0, count: TrafficClass.count)
    let warmupEnd: SimTime
    /// Completions per virtual second (for the timeline and liveness).
    var perSecond: [Int] = []
    /// Completions per 100 ms of virtual time (for the liveness oracle's final window).
    var perTenth: [Int] = []
    var lastCompletion: SimTime = 0

    init(replicas: Int, timeline: Bool, warmupEnd: SimTime) {
        messagesSent = Array(repeating: 0, count: replicas)
        bytesSent = Array(repeating: 0, count: replicas)
        self.warmupEnd = warmupEnd
    }

    @inline(__always) mutating func sent(by replica: Int, bytes: Int, traffic: Int) {
        messagesSent[replica] += 1
        bytesSent[replica] += bytes
        bytesByClass[traffic] += bytes
        messagesByClass[traffic] += 1
    }

    mutating func completed(latency: SimTime, at time: SimTime) {
        completed += 1
        lastCompletion = time
        let second = Int(time / 1_000_000_000)
        while perSecond.count <= second { perSecond.append(0) }
        perSecond[second] += 1
        let tenth = Int(time / 100_000_000)
        while perTenth.count <= tenth { perTenth.append(0) }
        perTenth[tenth] += 1
        guard time >= warmupEnd else { return }
        measuredCompletions += 1
        latenciesNanos.append(latency)
    }
}
