import DQBFTCore

extension Simulation {
    /// The client operations of the run, when `SimulationOptions.recordHistory` is
    /// set: every completed operation in completion order, then the operations still
    /// outstanding at the end (pending). Empty before `run()` returns, or when not
    /// recorded.
    public var recordedHistory: [HistoryOperation] { history?.operations ?? [] }

    /// Records a completed operation of `client` with the result it accepted.
    func recordCompletion(of client: ClientMachine.Client, result: [UInt8]) {
        guard let history else { return }
        history.record(HistoryOperation(
            client: client.id.rawValue, kind: client.kind, key: String(decoding: client.key, as: UTF8.self),
            value: client.kind == .put ? Workload.tag(client: client.id, timestamp: client.timestamp) : nil,
            invokeNanos: Int64(client.sentAt), completeNanos: Int64(now),
            result: HistoryWriter.outcome(of: result, kind: client.kind, returnsPrevious: workload.returnsPrevious)))
    }

    /// At the end of the run: records every client's outstanding operation as
    /// pending (it may or may not have taken effect), then closes the history.
    func finishHistory() throws {
        guard let history else { return }
        for machine in machines {
            for client in machine.clients where client.timestamp > 0 {
                history.record(HistoryOperation(
                    client: client.id.rawValue, kind: client.kind, key: String(decoding: client.key, as: UTF8.self),
                    value: client.kind == .put ? Workload.tag(client: client.id, timestamp: client.timestamp) : nil,
                    invokeNanos: Int64(client.sentAt), completeNanos: nil, result: .unknown))
            }
        }
        try history.close()
    }
}
