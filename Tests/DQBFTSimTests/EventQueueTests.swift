@testable import DQBFTSim
import Testing

/// The calendar queue must pop exactly as a heap ordered by (time, insertion order)
/// would, whatever mix of near, far, same-bucket and past times is scheduled while
/// it drains.
@Suite("Event queue")
struct EventQueueTests {
    /// Schedules and pops in an interleaving drawn from `seed`, checking every pop
    /// against a sorted reference list.
    func check(seed: UInt64) {
        var rng = SimRandom(seed: seed)
        var queue = EventQueue()
        var reference: [(time: SimTime, id: Int32)] = []  // pending, in pop order
        var now: SimTime = 0
        var nextID: Int32 = 0
        func schedule(_ time: SimTime) {
            queue.schedule(at: time, .fault(index: nextID))
            // After every pending event with time <= `time`: equal times pop in insertion order.
            let at = reference.firstIndex { $0.time > time } ?? reference.count
            reference.insert((time, nextID), at: at)
            nextID += 1
        }
        for _ in 0..<4000 {
            if rng.next() % 3 != 0 || reference.isEmpty {
                let delay: SimTime = switch rng.next() % 6 {
                case 0: 0                                          // the current instant
                case 1: rng.next() % 65_536                        // likely the bucket being drained
                case 2: rng.next() % 5_000_000                     // a few buckets on
                case 3: rng.next() % 1_500_000_000                 // up to past the ring
                case 4: 3_000_000_000 + rng.next() % 10_000_000_000  // a far timer
                default: 0
                }
                // Occasionally a time already in the past, which pops next.
                schedule(rng.next() % 50 == 0 ? now / 2 : now + delay)
            } else {
                let expected = reference.removeFirst()
                guard let event = queue.pop(), case .fault(let id) = event.kind else {
                    Issue.record("seed \(seed): queue empty, expected id \(expected.id)"); return
                }
                #expect(event.time == expected.time && id == expected.id,
                        "seed \(seed): popped \(id)@\(event.time), expected \(expected.id)@\(expected.time)")
                guard event.time == expected.time, id == expected.id else { return }
                now = max(now, event.time)
            }
            #expect(queue.count == reference.count)
        }
        while let expected = reference.first {
            reference.removeFirst()
            guard let event = queue.pop(), case .fault(let id) = event.kind else {
                Issue.record("seed \(seed): queue empty while draining"); return
            }
            #expect(event.time == expected.time && id == expected.id, "seed \(seed): drain order")
        }
        #expect(queue.pop() == nil)
    }

    @Test("pops in (time, insertion order) for random schedules", arguments: 1...40)
    func matchesReference(seed: UInt64) { check(seed: seed) }
}
