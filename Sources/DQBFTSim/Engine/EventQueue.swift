import DQBFTCore
import HeapModule

/// Virtual time in nanoseconds since the start of a run.
public typealias SimTime = UInt64

/// One scheduled occurrence. Ties in time are broken by insertion order, so the
/// schedule — and thus the run — is a function of the seed alone.
struct Event: Comparable {
    var time: SimTime
    var order: UInt64
    var kind: EventKind

    static func < (a: Event, b: Event) -> Bool { a.time != b.time ? a.time < b.time : a.order < b.order }
    static func == (a: Event, b: Event) -> Bool { a.time == b.time && a.order == b.order }
}

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

/// A priority queue of events ordered by (time, insertion order).
struct EventQueue {
    private var heap = Heap<Event>()
    private var nextOrder: UInt64 = 0

    var count: Int { heap.count }

    mutating func schedule(at time: SimTime, _ kind: EventKind) {
        heap.insert(Event(time: time, order: nextOrder, kind: kind))
        nextOrder &+= 1
    }

    mutating func pop() -> Event? { heap.popMin() }
    var nextTime: SimTime? { heap.min?.time }
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

    init(from: Int32, message: WireMessage, size: Int) {
        self.from = from; self.message = message; self.replies = []; self.requests = []; self.size = size
    }
    init(from: Int32, replies: [ClientReply], size: Int) {
        self.from = from; self.message = nil; self.replies = replies; self.requests = []; self.size = size
    }
    init(from: Int32, requests: [ClientRequest], size: Int) {
        self.from = from; self.message = nil; self.replies = []; self.requests = requests; self.size = size
    }
}
