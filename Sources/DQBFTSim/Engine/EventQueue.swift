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
/// A calendar of small keys (time, order, slot); the payloads live in a slab
/// indexed by slot, so nothing moves a payload. Virtual time is cut into buckets of
/// 2^16 ns (65.5 µs). A ring of 2^14 buckets holds the next second or so, unsorted;
/// later events wait in a binary heap until their bucket comes within the ring. The
/// bucket being drained is sorted once; events scheduled into it meanwhile (messages
/// within a region, which the topology gives no delay) go to a small heap beside it.
/// A pop is thus mostly a step along one small sorted array, where a heap of the
/// million events a 97-replica run keeps in flight costs a cache miss per level.
/// The order is exactly the heap's: keys are distinct, buckets partition time.
struct EventQueue {
    struct Key {
        var time: SimTime
        var order: UInt64
        var slot: Int32
        @inline(__always) static func < (a: Key, b: Key) -> Bool {
            a.time != b.time ? a.time < b.time : a.order < b.order
        }
        var bucket: UInt64 { time >> EventQueue.bucketShift }
    }

    static let bucketShift: UInt64 = 16
    static let ringSize: UInt64 = 1 << 14

    /// Keys of buckets `currentBucket + 1 ..< currentBucket + ringSize`, each in slot `bucket % ringSize`.
    private var ring = [[Key]](repeating: [], count: Int(EventQueue.ringSize))
    private var inRing = 0
    /// The bucket being drained, sorted; `current[cursor...]` are still to pop.
    private var current: [Key] = []
    private var cursor = 0
    /// Keys scheduled into the bucket being drained (or earlier), as a binary min-heap.
    private var soon: [Key] = []
    private var currentBucket: UInt64 = 0
    /// Keys beyond the ring, as a binary min-heap.
    private var later: [Key] = []
    private var payloads: [EventKind?] = []
    private var freeSlots: [Int32] = []
    private var nextOrder: UInt64 = 0

    private(set) var count = 0

    mutating func schedule(at time: SimTime, _ kind: EventKind) {
        let slot: Int32
        if let s = freeSlots.popLast() {
            slot = s
            payloads[Int(s)] = kind
        } else {
            slot = Int32(payloads.count)
            payloads.append(kind)
        }
        let key = Key(time: time, order: nextOrder, slot: slot)
        nextOrder &+= 1
        count += 1
        let bucket = key.bucket
        if bucket <= currentBucket {
            Self.push(key, into: &soon)
        } else if bucket < currentBucket + Self.ringSize {
            ring[Int(bucket & (Self.ringSize - 1))].append(key)
            inRing += 1
        } else {
            Self.push(key, into: &later)
        }
    }

    mutating func pop() -> Event? {
        while cursor == current.count && soon.isEmpty {
            guard count > 0 else { return nil }
            advance()
        }
        let top: Key
        if let s = soon.first, cursor == current.count || s < current[cursor] {
            top = Self.popMin(&soon)
        } else {
            top = current[cursor]
            cursor += 1
        }
        count -= 1
        let kind = payloads[Int(top.slot)].take()!
        freeSlots.append(top.slot)
        return Event(time: top.time, kind: kind)
    }

    /// Moves to the next bucket (or, with the ring empty, straight to the earliest
    /// later one), brings in the later keys the ring now reaches, and sorts it.
    private mutating func advance() {
        current.removeAll(keepingCapacity: true)
        cursor = 0
        currentBucket = inRing == 0 ? later[0].bucket : currentBucket + 1
        swap(&current, &ring[Int(currentBucket & (Self.ringSize - 1))])
        inRing -= current.count
        while let first = later.first, first.bucket < currentBucket + Self.ringSize {
            let key = Self.popMin(&later)
            if key.bucket == currentBucket { current.append(key) } else {
                ring[Int(key.bucket & (Self.ringSize - 1))].append(key)
                inRing += 1
            }
        }
        current.sort(by: <)
    }

    private static func push(_ key: Key, into heap: inout [Key]) {
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
    }

    private static func popMin(_ heap: inout [Key]) -> Key {
        let top = heap[0]
        let last = heap.removeLast()
        guard !heap.isEmpty else { return top }
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
