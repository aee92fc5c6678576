import Testing

@testable import DQBFTSim

/// The checker against a brute-force search over every order, on thousands of small
/// random histories (half of them made linearizable on purpose, half disturbed):
/// the checker's shortcuts must never change an answer.
@Suite("Linearizability checker against brute force")
struct LinearizabilityBruteForceTests {
    /// Tries every order that respects real time (no two events share an instant
    /// here); pending operations may be left out.
    static func bruteForce(_ ops: [HistoryOperation]) -> Bool {
        var placed = [Bool](repeating: false, count: ops.count)
        func fits(_ op: HistoryOperation, _ state: String?) -> Bool {
            switch op.result {
            case .unknown: return true
            case .absent: return state == nil
            case .present: return state != nil
            case .value(let v): return state == v
            }
        }
        func search(_ state: String?) -> Bool {
            if ops.indices.allSatisfy({ placed[$0] || ops[$0].isPending }) { return true }
            for i in ops.indices where !placed[i] && fits(ops[i], state) {
                let ready = ops.indices.allSatisfy { j in
                    placed[j] || j == i || (ops[j].completeNanos ?? .max) > ops[i].invokeNanos
                }
                guard ready else { continue }
                placed[i] = true
                let next: String? = switch ops[i].kind {
                case .put: ops[i].value
                case .delete: nil
                case .get: state
                }
                if search(next) { return true }
                placed[i] = false
            }
            return false
        }
        return search(nil)
    }

    /// A random history on one key: intervals with distinct instants, results
    /// computed from random linearization points (then, half of the time, one
    /// result disturbed), a few values written twice, a few operations pending.
    static func randomHistory(_ rng: inout SimRandom) -> [HistoryOperation] {
        let count = 2 + Int(rng.next() % 6)
        var instants = Set<Int64>()
        func instant() -> Int64 {
            while true {
                let t = Int64(rng.next() % 1000)
                if instants.insert(t).inserted { return t }
            }
        }
        let pool = ["a", "b", "c", "d", "e", "f"]
        var ops: [(op: HistoryOperation, point: Double)] = []
        for i in 0..<count {
            var (s, e) = (instant(), instant())
            if s > e { swap(&s, &e) }
            let kinds: [HistoryOperation.Kind] = [.put, .put, .get, .get, .delete]
            let kind = kinds[Int(rng.next() % 5)]
            let pendingOp = rng.next() % 6 == 0
            let value = kind == .put ? (rng.next() % 4 == 0 ? pool[Int(rng.next() % 2)] : "v\(i)") : nil
            let op = HistoryOperation(client: UInt64(i), kind: kind, key: "x", value: value, invokeNanos: s,
                                      completeNanos: pendingOp ? nil : e, result: .unknown)
            // A pending operation takes effect at its point, or (one time in three) never.
            let point = pendingOp && rng.next() % 3 == 0 ? 2000 : Double(s) + rng.unit() * Double(e - s)
            ops.append((op, point))
        }
        var state: String?
        for (i, entry) in ops.enumerated().sorted(by: { $0.element.point < $1.element.point }) where entry.point < 2000 {
            var op = entry.op
            if !op.isPending {
                let plainPut = op.kind == .put && rng.next() % 5 == 0, plainDelete = op.kind == .delete && rng.next() % 5 == 0
                op.result = plainPut ? .unknown : plainDelete ? (state == nil ? .absent : .present) : state.map { .value($0) } ?? .absent
            }
            switch op.kind {
            case .put: state = op.value
            case .delete: state = nil
            case .get: break
            }
            ops[i].op = op
        }
        var history = ops.map(\.op)
        if rng.next() % 2 == 0, let i = history.indices.filter({ !history[$0].isPending }).randomElement(using: &rng) {
            let choices: [HistoryOperation.Outcome] = [.absent, .present, .value(pool[Int(rng.next() % 3)]), .value("v\(rng.next() % 6)")]
            history[i].result = choices[Int(rng.next() % 4)]
        }
        return history
    }

    @Test("same verdict as trying every order, on 20,000 random histories")
    func agreesWithBruteForce() throws {
        var rng = SimRandom(seed: 2024)
        var counts = [true: 0, false: 0]
        for round in 0..<20_000 {
            let history = Self.randomHistory(&rng)
            let expected = Self.bruteForce(history)
            let verdict = try LinearizabilityChecker().check(history).verdict
            counts[expected, default: 0] += 1
            #expect(verdict == (expected ? .linearizable : .notLinearizable),
                    "round \(round): \(history.map(\.jsonLine).joined(separator: "\n"))")
            if verdict != (expected ? .linearizable : .notLinearizable) { break }
        }
        // Both answers are well represented.
        #expect(counts[true]! > 5000 && counts[false]! > 3000, "\(counts)")
    }
}
