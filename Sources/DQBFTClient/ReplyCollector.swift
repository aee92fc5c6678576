import DQBFTCore
import DQBFTNet
import NIOCore

/// Collects replies for the outstanding request of each client lane and decides
/// when a reply quorum is reached.
///
/// Guarantees: a result is accepted only when `quorum` distinct replicas sent
/// byte-identical results for the exact `(client, timestamp)` outstanding, each naming
/// the outstanding request's digest (a reply for another command that reused the
/// timestamp does not count); replies for other requests, unknown lanes or repeated
/// replicas are ignored; every
/// waiter is resumed exactly once (result, timeout or cancellation). Thread-safe.
/// `highestView` only moves to a view that `quorum` (f+1) matching replies report
/// or exceed — the f+1-th highest view among them — so at least one correct
/// replica is there: a Byzantine replica's huge view cannot misdirect the client.
final class ReplyCollector: Sendable {
    struct Entry {
        var timestamp: UInt64
        var request: Digest
        var replies: [ReplicaID: (result: [UInt8], view: ViewNumber)] = [:]
        var result: [UInt8]?
        var waiter: CheckedContinuation<[UInt8]?, Never>?
        var waiterID: UInt64 = 0
        var deadline = NIODeadline.distantFuture
    }

    let quorum: Int
    let state = LockedBox<(entries: [ClientID: Entry], nextWaiter: UInt64, highestView: ViewNumber)>(([:], 0, .zero))

    init(quorum: Int) { self.quorum = quorum }

    var highestView: ViewNumber { state.withLock { $0.highestView } }

    func begin(_ client: ClientID, timestamp: UInt64, request: Digest) {
        state.withLock { $0.entries[client] = Entry(timestamp: timestamp, request: request) }
    }

    func end(_ client: ClientID) {
        let waiter = state.withLock { $0.entries.removeValue(forKey: client)?.waiter }
        waiter?.resume(returning: nil)
    }

    /// Waits up to `timeout` (checked by `expire`, which the owner calls every few
    /// milliseconds) for the quorum result; nil on timeout or cancellation.
    func wait(_ client: ClientID, timeout: TimeAmount) async -> [UInt8]? {
        let id = state.withLock { s -> UInt64 in s.nextWaiter &+= 1; return s.nextWaiter }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[UInt8]?, Never>) in
                let immediate = state.withLock { s -> [UInt8]?? in
                    guard var entry = s.entries[client] else { return .some(nil) }
                    if let result = entry.result { return .some(result) }
                    if Task.isCancelled { return .some(nil) }
                    entry.waiter = continuation
                    entry.waiterID = id
                    entry.deadline = .now() + timeout
                    s.entries[client] = entry
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            self.resumeWaiter(client, id: id, with: nil)
        }
    }

    /// Ends every wait whose deadline has passed (with nil).
    func expire(now: NIODeadline = .now()) {
        let expired = state.withLock { s -> [CheckedContinuation<[UInt8]?, Never>] in
            var out: [CheckedContinuation<[UInt8]?, Never>] = []
            for (client, var entry) in s.entries where entry.deadline <= now {
                if let w = entry.waiter { out.append(w) }
                entry.waiter = nil
                entry.deadline = .distantFuture
                s.entries[client] = entry
            }
            return out
        }
        for w in expired { w.resume(returning: nil) }
    }

    func resumeWaiter(_ client: ClientID, id: UInt64, with result: [UInt8]?) {
        let waiter = state.withLock { s -> CheckedContinuation<[UInt8]?, Never>? in
            guard var entry = s.entries[client], entry.waiterID == id, let w = entry.waiter else { return nil }
            entry.waiter = nil
            s.entries[client] = entry
            return w
        }
        waiter?.resume(returning: result)
    }

    /// Records one reply (any thread).
    func deliver(_ reply: ClientReply) {
        let waiter = state.withLock { s -> (CheckedContinuation<[UInt8]?, Never>, [UInt8])? in
            guard var entry = s.entries[reply.client], entry.timestamp == reply.timestamp, entry.request == reply.request,
                  entry.result == nil else { return nil }
            entry.replies[reply.replica] = (reply.result, reply.view)
            let views = entry.replies.values.filter { $0.result == reply.result }.map(\.view).sorted(by: >)
            guard views.count >= quorum else { s.entries[reply.client] = entry; return nil }
            entry.result = reply.result
            let vouched = views[quorum - 1]  // the f+1-th highest: some correct replica is at least there
            if vouched > s.highestView { s.highestView = vouched }
            let w = entry.waiter
            entry.waiter = nil
            s.entries[reply.client] = entry
            return w.map { ($0, reply.result) }
        }
        if let (w, result) = waiter { w.resume(returning: result) }
    }
}
