import DQBFTCore
import Foundation

extension Simulation {
    /// Replies reach a client machine: count matching votes, complete operations,
    /// and issue each completed client's next request (closed loop).
    func machineReceives(_ m: Int, _ packet: Packet) {
        var outbox: [Int: [ClientRequest]] = [:]
        let quorum = config.replyQuorum
        let from = ReplicaID(Int(packet.from))
        let byzantineSender = safety.faulty.contains(from)
        for r in packet.replies {
            if now >= warmupEnd { metrics.repliesReceived += 1 }
            let id = Int(r.client.rawValue)
            guard id < clientSlot.count else { continue }
            let slot = Int(clientSlot[id])
            let timestamp = machines[m].clients[slot].timestamp
            // Safety compares every correct reply, also those for earlier requests.
            let current = r.timestamp == timestamp && timestamp > 0 && r.request == machines[m].clients[slot].request
            var done = false
            if id == tracedClient {
                FileHandle.standardError.write(Data("t=\(Double(now) / 1e9) c\(id) <- R\(packet.from) ts=\(r.timestamp) cur=\(timestamp) proof=\(r.proof != nil) view=\(r.view.rawValue)\n".utf8))
            }
            if let proof = r.proof, let scheme = verifier.certificates {
                // Linear Hybster / Destiny: one reply proven by f+1 replicas suffices.
                guard r.timestamp > 0, proof.proves(r, scheme: scheme) else { continue }
                safety.reply(client: r.client, timestamp: r.timestamp, result: r.result, from: r.replica)
                guard current else { continue }
                done = true
            } else {
                if !byzantineSender, r.timestamp > 0 {
                    safety.reply(client: r.client, timestamp: r.timestamp, result: r.result, from: r.replica)
                }
                guard current else { continue }
                // Counted in place: a copy of the client would copy its votes on every reply.
                done = machines[m].clients[slot].vote(r.result, from: r.replica, quorum: quorum)
            }
            if done {
                var client = machines[m].clients[slot]
                machines[m].clients[slot].votes = []  // leaves `client` the only owner of its votes
                complete(&client, result: r.result, view: r.view)
                issue(&client, machine: m, outbox: &outbox)
                machines[m].clients[slot] = client
            }
        }
        flush(outbox, machine: m)
    }

    func complete(_ client: inout ClientMachine.Client, result: [UInt8], view: ViewNumber) {
        metrics.completed(latency: now - client.sentAt, at: now)
        recordCompletion(of: client, result: result)
        if kind.isSinglePrimary { client.target = config.primary(of: view) }
    }

    func issue(_ client: inout ClientMachine.Client, machine m: Int, outbox: inout [Int: [ClientRequest]]) {
        client.timestamp += 1
        client.retries = 0
        client.votes.removeAll(keepingCapacity: true)
        let (op, key, kind) = workload.operation(client: client.id, timestamp: client.timestamp, rng: &machines[m].rng)
        client.key = key
        client.kind = kind
        client.sentAt = now
        client.retransmitAt = now + SimTime(options.clientTimeoutSeconds * 1e9)
        let request = ClientRequest(client: client.id, timestamp: client.timestamp, assignedReplica: client.target, operation: op)
        outbox[client.target.index, default: []].append(request)
        if Int(client.id.rawValue) == tracedClient {
            FileHandle.standardError.write(Data("t=\(Double(now) / 1e9) c\(client.id.rawValue) issue ts=\(client.timestamp) -> R\(client.target.index)\n".utf8))
        }
        client.active = true
        client.pending = request
        client.request = request.digest
    }

    /// Sends the coalesced requests of one machine, one packet per replica.
    func flush(_ outbox: [Int: [ClientRequest]], machine m: Int) {
        for target in outbox.keys.sorted() {
            let requests = outbox[target]!
            let size = requests.reduce(frameOverhead) { $0 + 2 + $1.encodedSize }
            transmit(Packet(from: Int32(machineBase + m), requests: requests, size: size), from: machineBase + m, to: target, at: now)
        }
    }

    /// Every 100 ms: start clients whose start time came, and retransmit overdue
    /// requests to every replica (the client no longer trusts its target).
    func sweep(_ m: Int) {
        var outbox: [Int: [ClientRequest]] = [:]
        let timeout = SimTime(options.clientTimeoutSeconds * 1e9)
        for slot in machines[m].clients.indices where machines[m].clients[slot].retransmitAt <= now {
            var client = machines[m].clients[slot]
            if client.timestamp == 0 {
                issue(&client, machine: m, outbox: &outbox)
            } else if var request = client.pending {
                client.retries += 1
                if !kind.isSinglePrimary && client.retries > 1 {
                    // The first retransmission goes to every replica with the same
                    // assignment, so they watch the coordinator (and replace it if it
                    // stays silent: the paper's case 1); from the second on, the client
                    // asks for another replica (a new ASSIGN).
                    client.target = ReplicaID((client.target.index + 1) % n)
                    request.assignedReplica = client.target
                    client.pending = request
                }
                for r in 0..<n { outbox[r, default: []].append(request) }
                if Int(client.id.rawValue) == tracedClient {
                    FileHandle.standardError.write(Data("t=\(Double(now) / 1e9) c\(client.id.rawValue) retransmit ts=\(request.timestamp) assigned=R\(request.assignedReplica.index)\n".utf8))
                }
                client.retransmitAt = now + timeout
                metrics.retransmissions += 1
            }
            machines[m].clients[slot] = client
        }
        flush(outbox, machine: m)
        queue.schedule(at: now + 100_000_000, .clientSweep(machine: Int32(m)))
    }
}
