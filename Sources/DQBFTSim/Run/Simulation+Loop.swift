import DQBFTCore
import Foundation

/// The run loop: events in time order, each delivered to a replica or a client
/// machine; a replica's effects carried out and charged to its CPU.
extension Simulation {
    /// Runs to the end of virtual time and returns the report.
    public func run() throws -> SimulationReport {
        let wallStart = DispatchTime.now().uptimeNanoseconds
        var lastProgress = wallStart
        var nextProgressCheck: SimTime = 1_000_000_000
        while let event = queue.pop() {
            if event.time > end { break }
            now = event.time
            metrics.events += 1
            switch event.kind {
            case .deliver(let to, let packet):
                if Int(to) < machineBase { replicaReceives(Int(to), packet) } else { machineReceives(Int(to) - machineBase, packet) }
            case .timer(let node, let timer, let generation):
                let i = Int(node)
                guard alive[i], timers[i].fire(timer, generation: generation) else { continue }
                let busy = cpus[i].busyNanos
                let done = cpus[i].process(arrival: now, verify: 0, handle: UInt64(options.costs.messageReceiveNanos))
                var out = takeEffects()
                replicas[i].timerFired(timer, into: &out)
                dispatch(from: i, out, at: afterCrypto(i, done))
                returnEffects(&out)
                metrics.cpuByClass[TrafficClass.timer] += cpus[i].busyNanos - busy
            case .clientSweep(let m): sweep(Int(m))
            case .fault(let index): apply(options.faults.events[Int(index)].fault)
            case .round(let index): beginTwinsRound(Int(index))
            }
            if options.showProgress && now >= nextProgressCheck {
                nextProgressCheck += 1_000_000_000
                let wall = DispatchTime.now().uptimeNanoseconds
                if wall - lastProgress > 2_000_000_000 {
                    lastProgress = wall
                    FileHandle.standardError.write(Data(String(format: "  t=%.0fs/%.0fs  ops=%d  events=%d\n", Double(now) / 1e9,
                                                                options.durationSeconds, metrics.completed, metrics.events).utf8))
                }
            }
        }
        try finishHistory()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9
        return try makeReport(wallSeconds: wall)
    }

    func replicaReceives(_ i: Int, _ packet: Packet) {
        guard alive[i] else { return }
        let busy = cpus[i].busyNanos
        var out = takeEffects()
        defer {
            metrics.cpuByClass[packet.traffic] += cpus[i].busyNanos - busy
            returnEffects(&out)
        }
        if let message = packet.message {
            if i == traced {
                FileHandle.standardError.write(Data("t=\(Double(now) / 1e9) R\(i) <- \(String(describing: message).prefix(200))\n".utf8))
            }
            if replicas[i].isRedundant(message) {
                _ = cpus[i].process(arrival: now, verify: 0, handle: options.costs.handleCost(message))
                return
            }
            // What the runtime checks, by the same rule (`MessageVerifier`); what it
            // costs is charged below.
            // A replica's packet comes over a channel authenticated as its identity (a
            // twin's packets carry its original's: `relabel`); a client machine's, as
            // no replica.
            let sender = Int(packet.from)
            if !verifier.verify(message, channelPeer: sender < machineBase ? ReplicaID(sender) : nil) { return }
            if !relabelled.isEmpty, relabelled.contains(message), !safety.faulty.contains(identities[i]) {
                safety.forgeryAccepted("R\(i) accepted a view change that R\(packet.from) relabelled as its own")
            }
            let done = cpus[i].process(arrival: now, verify: options.costs.verifyCost(message, hybrid: hybridKind),
                                       handle: options.costs.handleCost(message))
            replicas[i].handle(message, into: &out)
            dispatch(from: i, out, at: afterCrypto(i, done))
            if case .relabel? = byzantine[i], let own = Relabel.asOwn(message, me: ReplicaID(i)) {
                if case .consensus(_, _, .hybrid(.viewChange)) = own { relabelled.insert(own) }
                send(own, from: i, to: (0..<n).filter { $0 != i }, at: done, behaviour: nil)
            }
        } else {
            let k = UInt64(packet.requests.count)
            let done = cpus[i].process(arrival: now, verify: k * UInt64(options.costs.hmacNanos),
                                       handle: k * UInt64(options.costs.messageReceiveNanos))
            for r in packet.requests { replicas[i].handle(.request(r), into: &out) }
            dispatch(from: i, out, at: afterCrypto(i, done))
        }
    }

    /// The shared effects buffer, empty, for one core call (`returnEffects` gives it back).
    @inline(__always) func takeEffects() -> [ReplicaEffect] {
        var out: [ReplicaEffect] = []
        swap(&out, &effects)
        return out
    }

    @inline(__always) func returnEffects(_ out: inout [ReplicaEffect]) {
        out.removeAll(keepingCapacity: true)
        swap(&out, &effects)
    }

    /// Replica `i` as built at the start of a run (genesis state, no memory).
    func freshReplica(_ i: Int) -> Replica {
        Replica(me: identities[i], config: config, parameters: replicaParameters, protocol: kind,
                signer: ModelSigner(me: identities[i]), hybrid: hybridCryptos[i], seed: options.seed &+ UInt64(i),
                executor: executionMemo ?? DirectExecution())
    }

    /// Carries out a replica's effects, after the Byzantine wrapper (if any) has
    /// rewritten them; sends leave when the CPU has finished producing them.
    func dispatch(from i: Int, _ effects: [ReplicaEffect], at start: SimTime) {
        let behaviour = byzantine[i]
        if sentLogs[i] != nil {
            for effect in effects {
                switch effect {
                case .send(let m, _), .broadcast(let m): if Replica.mustPersist(m) { sentLogs[i]!.append(m) }
                case .persist(let m): sentLogs[i]!.append(m)
                default: break
                }
            }
        }
        if i == traced {
            for e in effects {
                if case .reply = e { continue }
                FileHandle.standardError.write(Data("t=\(Double(now) / 1e9) R\(i) \(String(describing: e).prefix(300))\n".utf8))
            }
        }
        var t = start
        for effect in effects {
            switch effect {
            case .send(let m, let to):
                t = max(cpus[i].extend(by: options.costs.sendCost(m, recipients: 1)), start)
                send(m, from: i, to: [to.index], at: t, behaviour: behaviour)
            case .broadcast(let m):
                t = max(cpus[i].extend(by: options.costs.sendCost(m, recipients: n - 1)), start)
                send(m, from: i, to: (0..<n).filter { $0 != i }, at: t, behaviour: behaviour)
            case .reply(let r):
                replyBuckets[Int(machineOfClient[Int(r.client.rawValue)])].append(r)
            case .setTimer(let timer, let ns):
                queue.schedule(at: start + ns, .timer(node: Int32(i), timer: timer, generation: timers[i].arm(timer)))
            case .cancelTimer(let timer):
                timers[i].cancel(timer)
            case .executed(let seq, let digest, let count):
                safety.executed(replica: identities[i], sequence: seq, digest: digest)
                if i < n { liveness.advanced(i, at: now) }
                t = cpus[i].extend(by: UInt64(Double(count) * options.costs.executePerRequestNanos))
            case .checkpointed(let seq, let digest): safety.checkpointed(replica: identities[i], sequence: seq, stateDigest: digest)
            case .stateInstalled:
                metrics.stateTransfers += 1
                if i < n { liveness.advanced(i, at: now) }
            case .viewChanged(let instance, let view):
                if !safety.faulty.contains(identities[i]) { metrics.views.insert("\(instance)/\(view.rawValue)") }
            case .persist: break  // logged above, when the replica's log is kept
            }
        }
        for m in replyBuckets.indices where !replyBuckets[m].isEmpty {
            var replies: [ClientReply] = []
            swap(&replies, &replyBuckets[m])
            if case .silent = behaviour { continue }
            switch behaviour {
            case .withholdProofs?: replies.removeAll { $0.proof != nil }
            case .lyingCollector?: for k in replies.indices where replies[k].proof != nil { replies[k].proof!.signature[0] ^= 0xFF }
            default: break
            }
            if replies.isEmpty { continue }
            let size = replies.reduce(frameOverhead) { $0 + 2 + $1.encodedSize }
            t = max(cpus[i].extend(by: UInt64(options.costs.messageSendNanos + options.costs.hmacNanos)), start)
            transmit(Packet(from: Int32(i), replies: replies, size: size), from: i, to: machineBase + m, at: t)
        }
    }
}
