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
    let framesDropped: Gauge
    let view: Gauge
    let lastExecuted: Gauge
    let peerQueueDepth: Gauge
    let outboxDepth: Gauge
    let clientConnections: Gauge
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
        framesDropped = registry.makeGauge(name: "dqbft_peer_frames_dropped_total", help: "Frames dropped because a peer send queue was full.")
        view = registry.makeGauge(name: "dqbft_view", help: "Current view of the main instance.")
        lastExecuted = registry.makeGauge(name: "dqbft_last_executed_sequence", help: "Highest executed sequence number.")
        peerQueueDepth = registry.makeGauge(name: "dqbft_peer_queue_frames", help: "Frames waiting in all peer send queues.")
        outboxDepth = registry.makeGauge(name: "dqbft_wal_gated_actions", help: "Outbound actions waiting for the write-ahead log.")
        clientConnections = registry.makeGauge(name: "dqbft_client_connections", help: "Open client connections.")
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
}
