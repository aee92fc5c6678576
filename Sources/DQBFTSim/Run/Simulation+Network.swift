import DQBFTCore
import Foundation

/// Messages leaving a replica: framed, passed through its Byzantine behaviour (if
/// any) and over the network model.
extension Simulation {
    func send(_ m: WireMessage, from i: Int, to targets: [Int], at t: SimTime, behaviour: ByzantineBehaviour?) {
        let size = m.encodedSize + frameOverhead
        switch behaviour {
        case nil:
            let packet = Packet(from: Int32(i), message: m, size: size)
            for j in targets { transmit(packet, from: i, to: j, at: t) }
        case .silent: return
        case .fuzz: sendFuzzed(m, from: i, to: targets, at: t)
        case .dropTo(let victims):
            let packet = Packet(from: Int32(i), message: m, size: size)
            for j in targets where !victims.contains(ReplicaID(j)) { transmit(packet, from: i, to: j, at: t) }
        case .slow(let delay):
            let packet = Packet(from: Int32(i), message: m, size: size)
            // Held back after the links, not sent in the future: reserving the
            // receivers' downlinks `delay` ahead stalled every other sender behind it.
            for j in targets { transmit(packet, from: i, to: j, at: t, holdNanos: delay) }
        case .withhold:
            let packet = Packet(from: Int32(i), message: m, size: size)
            var receivers = targets
            if case .consensus(_, _, .prePrepare) = m { receivers = Array(targets.prefix(config.quorum - 1)) }
            for j in receivers { transmit(packet, from: i, to: j, at: t) }
        case .collude(let partner):
            var message = m
            if case .consensus(let from, let instance, .prePrepare(var pp)) = m, case .order(let batch) = pp.payload {
                let highest = batch.refs.filter { $0.replica == partner }.map(\.sequence.rawValue).max() ?? 0
                let next = max(collusionNext[partner] ?? 1, highest + 1)
                collusionNext[partner] = next + 1
                pp.payload = .order(OrderBatch(refs: batch.refs + [DSlotRef(replica: partner, sequence: SequenceNumber(next))]))
                message = .consensus(from: from, instance: instance, .prePrepare(pp))
            }
            let packet = Packet(from: Int32(i), message: message, size: message.encodedSize + frameOverhead)
            for j in targets { transmit(packet, from: i, to: j, at: t) }
        case .relabel:
            guard !Relabel.suppresses(m) else { return }
            let packet = Packet(from: Int32(i), message: m, size: size)
            for j in targets { transmit(packet, from: i, to: j, at: t) }
        case .badShares, .lyingCollector, .withholdProofs:
            guard let forged = Equivocation.hybridFault(m, behaviour: behaviour!) else { return }
            let packet = Packet(from: Int32(i), message: forged, size: forged.encodedSize + frameOverhead)
            for j in targets { transmit(packet, from: i, to: j, at: t) }
        case .equivocate:
            let honest = Packet(from: Int32(i), message: m, size: size)
            if hybridKind != nil {
                // A hybrid replica cannot equivocate: its trusted counter refuses to
                // certify a second message for the same value. Try, and count refusals.
                if Equivocation.attemptHybrid(m, certifier: hybridCryptos[i]!.counter) { equivocationsRefused += 1 }
                for j in targets { transmit(honest, from: i, to: j, at: t) }
                return
            }
            let forged = Equivocation.conflicting(m).map { Packet(from: Int32(i), message: $0, size: $0.encodedSize + frameOverhead) }
            for j in targets {
                transmit(j >= n / 2 ? (forged ?? honest) : honest, from: i, to: j, at: t)
            }
        }
    }

    func transmit(_ packet: Packet, from i: Int, to j: Int, at t: SimTime, holdNanos: SimTime = 0) {
        if twins != nil { transmitWithTwins(packet, from: i, to: j, at: t, holdNanos: holdNanos); return }
        if let groups = partition, i < n, j < n, groups[i] != groups[j] { return }
        link(packet, from: i, to: j, at: t, holdNanos: holdNanos)
    }

    /// Puts `packet` on the wire from node `i` to node `j`.
    func link(_ packet: Packet, from i: Int, to j: Int, at t: SimTime, holdNanos: SimTime = 0) {
        if i < n { metrics.sent(by: i, bytes: packet.size, traffic: packet.traffic) }
        guard let arrival = network.transmit(from: i, to: j, size: packet.size, at: t) else { return }
        queue.schedule(at: arrival + holdNanos, .deliver(to: Int32(j), packet: packet))
    }
}
