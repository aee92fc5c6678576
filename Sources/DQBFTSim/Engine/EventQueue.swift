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
    /// Round `index` of a Twins scenario begins (its partition takes effect).
    case round(index: Int32)
}

/// One scheduled occurrence, as popped from the queue.
struct Event {
    var time: SimTime
    var kind: EventKind
}

/// A priority queue of events ordered by (time, insertion order), so the schedule —
/// and thus the run — is a function of the seed alone.
///
/// A calendar queue. Virtual time is cut into buckets of 2^16 ns (65.5 µs). A ring
/// of 2^14 buckets holds the next second or so, unsorted; later events wait in a
/// binary heap until their bucket comes within the ring. The bucket being drained
/// is sorted once; events scheduled into it meanwhile (messages within a region,
/// which the topology gives no delay) go to a small heap beside it. Events are
/// stored whole in the buckets (key and payload together), so a pop is a step
/// along one small sorted array: no cache miss per level, as a heap of the million
/// events a 97-replica run keeps in flight would cost, nor one per event, as a
/// payload kept elsewhere would. Entries are plain data (a packet is held as an
/// unmanaged reference, retained while queued), so sorting a bucket moves bytes
/// and touches no packet. The order is exactly the heap's: keys are distinct,
/// buckets partition time.
///
/// The owner must call `removeAll()` before dropping a non-empty queue: it
/// releases the packets still queued.
struct EventQueue {
    /// `EventKind` with the packet unmanaged: trivially copyable.
    enum Stored {
        case deliver(to: Int32, packet: Unmanaged<Packet>)
        case timer(node: Int32, timer: ReplicaTimer, generation: UInt32)
        case clientSweep(machine: Int32)
        case fault(index: Int32)
        case round(index: Int32)

        /// Takes over one retain of the packet.
        init(_ kind: EventKind) {
            switch kind {
            case .deliver(let to, let packet): self = .deliver(to: to, packet: .passRetained(packet))
            case .timer(let node, let timer, let generation): self = .timer(node: node, timer: timer, generation: generation)
            case .clientSweep(let machine): self = .clientSweep(machine: machine)
            case .fault(let index): self = .fault(index: index)
            case .round(let index): self = .round(index: index)
            }
        }

        /// Gives the retain back: call once per stored value.
        func take() -> EventKind {
            switch self {
            case .deliver(let to, let packet): return .deliver(to: to, packet: packet.takeRetainedValue())
            case .timer(let node, let timer, let generation): return .timer(node: node, timer: timer, generation: generation)
            case .clientSweep(let machine): return .clientSweep(machine: machine)
            case .fault(let index): return .fault(index: index)
            case .round(let index): return .round(index: index)
            }
        }
    }

    struct Entry {
        var time: SimTime
        var order: UInt64
        var kind: Stored
        @inline(__always) static func < (a: Entry, b: Entry) -> Bool {
            a.time != b.time ? a.time < b.time : a.order < b.order
        }
        var bucket: UInt64 { time >> EventQueue.bucketShift }
    }

    static let bucketShift: UInt64 = 16
    static let ringSize: UInt64 = 1 << 14

    /// Buckets `currentBucket + 1 ..< currentBucket + ringSize`, each in slot `bucket % ringSize`.
    private var ring = [[Entry]](repeating: [], count: Int(EventQueue.ringSize))
    private var inRing = 0
    /// The bucket being drained, sorted; `current[cursor...]` are still to pop.
    private var current: [Entry] = []
    private var cursor = 0
    /// Events scheduled into the bucket being drained (or earlier), as a binary min-heap.
    private var soon: [Entry] = []
    private var currentBucket: UInt64 = 0
    /// Events beyond the ring, as a binary min-heap.
    private var later: [Entry] = []
    private var nextOrder: UInt64 = 0

    private(set) var count = 0

    mutating func schedule(at time: SimTime, _ kind: EventKind) {
        let entry = Entry(time: time, order: nextOrder, kind: Stored(kind))
        nextOrder &+= 1
        count += 1
        let bucket = entry.bucket
        if bucket <= currentBucket {
            Self.push(entry, into: &soon)
        } else if bucket < currentBucket + Self.ringSize {
            ring[Int(bucket & (Self.ringSize - 1))].append(entry)
            inRing += 1
        } else {
            Self.push(entry, into: &later)
        }
    }

    mutating func pop() -> Event? {
        while cursor == current.count && soon.isEmpty {
            guard count > 0 else { return nil }
            advance()
        }
        count -= 1
        if let s = soon.first, cursor == current.count || s < current[cursor] {
            let top = Self.popMin(&soon)
            return Event(time: top.time, kind: top.kind.take())
        }
        defer { cursor += 1 }
        return current.withUnsafeBufferPointer { Event(time: $0[cursor].time, kind: $0[cursor].kind.take()) }
    }

    /// Drops every queued event, releasing the packets they hold.
    mutating func removeAll() {
        while pop() != nil {}
    }

    /// Moves to the next bucket (or, with the ring empty, straight to the earliest
    /// later one), brings in the later events the ring now reaches, and sorts it.
    private mutating func advance() {
        current.removeAll(keepingCapacity: true)
        cursor = 0
        currentBucket = inRing == 0 ? later[0].bucket : currentBucket + 1
        swap(&current, &ring[Int(currentBucket & (Self.ringSize - 1))])
        inRing -= current.count
        while let first = later.first, first.bucket < currentBucket + Self.ringSize {
            let entry = Self.popMin(&later)
            if entry.bucket == currentBucket { current.append(entry) } else {
                ring[Int(entry.bucket & (Self.ringSize - 1))].append(entry)
                inRing += 1
            }
        }
        current.sort(by: <)
    }

    private static func push(_ entry: Entry, into heap: inout [Entry]) {
        var i = heap.count
        heap.append(entry)
        heap.withUnsafeMutableBufferPointer { h in
            while i > 0 {
                let parent = (i - 1) >> 1
                guard entry < h[parent] else { break }
                h.swapAt(i, parent)
                i = parent
            }
        }
    }

    private static func popMin(_ heap: inout [Entry]) -> Entry {
        if heap.count > 1 { heap.swapAt(0, heap.count - 1) }
        let top = heap.removeLast()
        heap.withUnsafeMutableBufferPointer { h in
            let n = h.count
            var i = 0
            while true {
                let l = 2 * i + 1
                if l >= n { break }
                let r = l + 1
                let c = (r < n && h[r] < h[l]) ? r : l
                guard h[c] < h[i] else { break }
                h.swapAt(i, c)
                i = c
            }
        }
        return top
    }
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
