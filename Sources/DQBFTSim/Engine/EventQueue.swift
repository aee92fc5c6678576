import DQBFTCore

/// Virtual time in nanoseconds since the start of a run.
public typealias SimTime = UInt64

enum EventKind {
    /// A packet reaches node `to`.
    case deliver(to: Int32, packet: Packet)
    /// A replica timer fires if its generation is still current.
    case timer(node: Int32, timer: ReplicaTimer, generation: UInt32)
    /// A client machine checks its clients for retransmissions.
    case clientSweep(machine: Int32)
    /// Fault number `index` of the schedule takes effect.
    case fault(index: Int32)
}

/// One scheduled occurrence, as popped from the queue.
struct Event {
    var time: SimTime
    var kind: EventKind
}

/// A priority queue of events ordered by (time, insertion order), so the schedule —
/// and thus the run — is a function of the seed alone.
///
/// A binary heap of small keys (time, order, slot); the payloads live in a slab
/// indexed by slot, so sifting moves 24-byte keys, never the payloads.
struct EventQueue {
    struct Key {
        var time: SimTime
        var order: UInt64
        var slot: Int32
        @inline(__always) static func < (a: Key, b: Key) -> Bool {
            a.time != b.time ? a.time < b.time : a.order < b.order
        }
    }

    private var heap: [Key] = []
    private var payloads: [EventKind?] = []
    private var freeSlots: [Int32] = []
    private var nextOrder: UInt64 = 0

    var count: Int { heap.count }

    mutating func schedule(at time: SimTime, _ kind: EventKind) {
        let slot: Int32
        if let s = freeSlots.popLast() {
            slot = s
            payloads[Int(s)] = kind
        } else {
            slot = Int32(payloads.count)
            payloads.append(kind)
        }
        var key = Key(time: time, order: nextOrder, slot: slot)
        nextOrder &+= 1
        // Sift up with a hole.
        var i = heap.count
        heap.append(key)
        heap.withUnsafeMutableBufferPointer { h in
            while i > 0 {
                let parent = (i - 1) >> 1
                guard key < h[parent] else { break }
                h[i] = h[parent]
                i = parent
            }
            h[i] = key
        }
        _ = key
        key.slot = slot
    }

    mutating func pop() -> Event? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap.withUnsafeMutableBufferPointer { h in
                let n = h.count
                var i = 0
                while true {
                    let l = 2 * i + 1
                    if l >= n { break }
                    let r = l + 1
                    let c = (r < n && h[r] < h[l]) ? r : l
                    guard h[c] < last else { break }
                    h[i] = h[c]
                    i = c
                }
                h[i] = last
            }
        }
        let kind = payloads[Int(top.slot)].take()!
        freeSlots.append(top.slot)
        return Event(time: top.time, kind: kind)
    }

    var nextTime: SimTime? { heap.first?.time }
}

/// What travels between simulated nodes. One packet object is shared by every
/// recipient of a broadcast: the message is never copied per recipient.
final class Packet {
    let from: Int32
    let message: WireMessage?
    /// Client replies coalesced for one client machine.
    let replies: [ClientReply]
    /// Client requests coalesced from one client machine to one replica.
    let requests: [ClientRequest]
    /// Bytes on the wire (encoding plus framing and authentication).
    let size: Int
    /// The `TrafficClass` index, for the per-kind byte counts.
    let traffic: Int

    init(from: Int32, message: WireMessage, size: Int) {
        self.from = from; self.message = message; self.replies = []; self.requests = []; self.size = size
        traffic = TrafficClass.of(message, sender: Int(from))
    }
    init(from: Int32, replies: [ClientReply], size: Int) {
        self.from = from; self.message = nil; self.replies = replies; self.requests = []; self.size = size
        traffic = TrafficClass.reply
    }
    init(from: Int32, requests: [ClientRequest], size: Int) {
        self.from = from; self.message = nil; self.replies = []; self.requests = requests; self.size = size
        traffic = TrafficClass.request
    }
}
