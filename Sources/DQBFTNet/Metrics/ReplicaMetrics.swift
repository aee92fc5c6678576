import DQBFTCore
import Prometheus

/// The Prometheus metrics of one replica, registered in its own registry (so
/// several replicas can share a process, as the tests do).
///
/// Guarantees: every handle is thread-safe; names follow Prometheus conventions
/// with the unit last (`_total`, `_bytes`, `_seconds`).
public struct ReplicaMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let requestsReceived: Counter
    let requestsExecuted: Counter
    let batchesExecuted: Counter
    let repliesSent: Counter
    let repliesDropped: Counter
    let bytesIn: Counter
    let bytesOut: Counter
    let messagesRejected: Counter
    let view: Gauge
    let lastExecuted: Gauge
    let peerQueueDepth: Gauge
    let outboxDepth: Gauge
    let clientConnections: Gauge
    let clientIdleClosed: Counter
    let stateTransfers: Counter
    let requestLatency: DurationHistogram
    let walSyncLatency: DurationHistogram
    let walRecords: Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        requestsReceived = registry.makeCounter(name: "dqbft_requests_received_total", help: "Client requests received from client connections.")
        requestsExecuted = registry.makeCounter(name: "dqbft_requests_executed_total", help: "Client requests executed.")
        batchesExecuted = registry.makeCounter(name: "dqbft_batches_executed_total", help: "Batches (slots) executed.")
        repliesSent = registry.makeCounter(name: "dqbft_replies_sent_total", help: "Replies written to client connections.")
        repliesDropped = registry.makeCounter(name: "dqbft_replies_dropped_total", help: "Replies dropped: client unknown or not writable.")
        bytesIn = registry.makeCounter(name: "dqbft_received_bytes_total", help: "Frame bytes received on authenticated channels.")
        bytesOut = registry.makeCounter(name: "dqbft_sent_bytes_total", help: "Message bytes handed to peer and client connections.")
        messagesRejected = registry.makeCounter(name: "dqbft_messages_rejected_total", help: "Messages that failed decoding or verification.")
        view = registry.makeGauge(name: "dqbft_view", help: "Current view of the main instance (PBFT's, or DQ's ordering instance); RCC: instance 0's. Per instance: dqbft_instance_view.")
        lastExecuted = registry.makeGauge(name: "dqbft_last_executed_sequence", help: "Highest executed sequence number.")
        peerQueueDepth = registry.makeGauge(name: "dqbft_peer_queue_frames_all", help: "Frames waiting in all peer send queues (per peer: dqbft_peer_queue_frames).")
        outboxDepth = registry.makeGauge(name: "dqbft_wal_gated_actions", help: "Outbound actions waiting for the write-ahead log.")
        clientConnections = registry.makeGauge(name: "dqbft_client_connections", help: "Open client connections.")
        clientIdleClosed = registry.makeCounter(name: "dqbft_client_connections_idle_closed_total",
                                                help: "Client connections closed after sending nothing for the idle timeout.")
        stateTransfers = registry.makeCounter(name: "dqbft_state_transfers_total", help: "State snapshots installed.")
        requestLatency = registry.makeDurationHistogram(
            name: "dqbft_request_latency_seconds",
            buckets: [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                      .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                      .seconds(1), .seconds(5)],
            help: "Time from receiving a client request to sending its reply, at the replica the client sent it to.")
        walSyncLatency = registry.makeDurationHistogram(
            name: "dqbft_wal_sync_seconds",
            buckets: [.microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                      .milliseconds(10), .milliseconds(50), .milliseconds(100), .seconds(1)],
            help: "Duration of one group commit (write + fdatasync).")
        walRecords = registry.makeCounter(name: "dqbft_wal_records_total", help: "Records appended to the write-ahead log.")
    }

    // Labelled series. The registry returns the same handle for the same name and
    // labels, so these are cheap enough for the rare events that use them.

    /// `dqbft_build_info{version, protocol} 1`.
    func buildInfo(protocol name: String) {
        registry.makeGauge(name: "dqbft_build_info", labels: [("version", DQBFTVersion.current), ("protocol", name)],
                           help: "Always 1; the labels name the build and the protocol.").set(Double(1))
    }

    /// An instance entered `view` (`instance` is "main", or "D3" for replica 3's
    /// D-instance / RCC instance 3); `counts` false only registers its series at
    /// view 0 (so dashboards see every instance from the start).
    /// Authenticated messages the protocol set aside without acting on them, by reason.
    func protocolRejected(_ reason: Rejection, count: UInt64) {
        registry.makeCounter(name: "dqbft_protocol_rejections_total", labels: [("reason", "\(reason)")],
                             help: "Authenticated messages the protocol set aside (stale view, outside the window, duplicate, …).")
            .increment(by: Int64(clamping: count))
    }

    func instanceEnteredView(_ instance: InstanceID, _ view: ViewNumber, counts: Bool = true) {
        let label = [("consensus_instance", "\(instance)")]  // not "instance": Prometheus adds that label to every scraped series
        registry.makeGauge(name: "dqbft_instance_view", labels: label, help: "Current view of each consensus instance.")
            .set(Double(view.rawValue))
        let changes = registry.makeCounter(name: "dqbft_view_changes_total", labels: label, help: "Views entered, per consensus instance.")
        if counts { changes.increment() }
    }

    /// One peer link's state, refreshed every second: connected (0/1), frames queued,
    /// and frames dropped since the last refresh.
    func peer(_ id: ReplicaID, connected: Bool, queued: Int, droppedSinceLast: Int) {
        let label = [("peer", "\(id.rawValue)")]
        registry.makeGauge(name: "dqbft_peer_connected", labels: label, help: "1 while the outbound link to this peer is established.")
            .set(Double(connected ? 1 : 0))
        registry.makeGauge(name: "dqbft_peer_queue_frames", labels: label, help: "Frames waiting in this peer's send queue.")
            .set(Double(queued))
        let dropped = registry.makeCounter(name: "dqbft_peer_frames_dropped_total", labels: label,
                                           help: "Frames dropped because this peer's send queue was full.")
        if droppedSinceLast > 0 { dropped.increment(by: Int64(droppedSinceLast)) }
    }
}
