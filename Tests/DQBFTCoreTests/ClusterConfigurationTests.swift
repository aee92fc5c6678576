import Testing
@testable import DQBFTCore

@Suite("Cluster configuration")
struct ClusterConfigurationTests {
    @Test("Byzantine model: f = ⌊(N-1)/3⌋ and quorum = 2f+1",
          arguments: [(4, 1, 3), (7, 2, 5), (10, 3, 7), (49, 16, 33), (97, 32, 65), (193, 64, 129)])
    func byzantineQuorums(n: Int, f: Int, q: Int) {
        let c = ClusterConfiguration(replicas: n, faultModel: .byzantine)
        #expect(c.replicaCount == n)
        #expect(c.f == f)
        #expect(c.quorum == q)
        #expect(c.weakQuorum == f + 1)
        #expect(c.replyQuorum == f + 1)
        #expect(ClusterConfiguration.maxFaults(replicas: n, model: .byzantine) == f)
        // Safety and liveness of the derived quorums.
        #expect(2 * c.quorum - n >= f + 1, "two quorums share a correct replica")
        #expect(n - f >= c.quorum, "the correct replicas alone form a quorum")
    }

    @Test("hybrid model: f = ⌊(N-1)/2⌋ and quorum = f+1",
          arguments: [(3, 1, 2), (5, 2, 3), (97, 48, 49)])
    func hybridQuorums(n: Int, f: Int, q: Int) {
        let c = ClusterConfiguration(replicas: n, faultModel: .hybrid)
        #expect(c.f == f)
        #expect(c.quorum == q)
        #expect(c.weakQuorum == f + 1)
        #expect(ClusterConfiguration.maxFaults(replicas: n, model: .hybrid) == f)
        #expect(2 * c.quorum - n >= 1, "two quorums intersect")
        #expect(n - f >= c.quorum)
    }

    @Test("a single replica tolerates no faults and is its own quorum")
    func singleReplica() {
        for model in FaultModel.allCases {
            let c = ClusterConfiguration(replicas: 1, faultModel: model)
            #expect(c.f == 0)
            #expect(c.quorum == 1)
            #expect(c.primary(of: ViewNumber(12)) == ReplicaID(0))
        }
    }

    @Test("replicas lists 0 ..< N in order")
    func replicaList() {
        let c = ClusterConfiguration(replicas: 7, faultModel: .byzantine)
        #expect(c.replicas == (0..<7).map { ReplicaID($0) })
    }

    @Test("the primary rotates round-robin from the initial primary")
    func primaryRotation() {
        let c = ClusterConfiguration(replicas: 4, faultModel: .byzantine)
        #expect((0..<8).map { c.primary(of: ViewNumber(UInt64($0))) }
            == [0, 1, 2, 3, 0, 1, 2, 3].map { ReplicaID($0) })
        #expect((0..<5).map { c.primary(of: ViewNumber(UInt64($0)), initial: ReplicaID(2)) }
            == [2, 3, 0, 1, 2].map { ReplicaID($0) })
        #expect(c.primary(of: .zero, initial: ReplicaID(3)) == ReplicaID(3))
    }

    @Test("every N consecutive views visit every replica exactly once as primary")
    func primaryRotationIsFair() {
        for n in [4, 7, 97] {
            let c = ClusterConfiguration(replicas: n, faultModel: .byzantine)
            for initial in [0, 1, n - 1] {
                for start: UInt64 in [0, 5, 1_000_003] {
                    let primaries = (0..<UInt64(n)).map { c.primary(of: ViewNumber(start + $0), initial: ReplicaID(initial)) }
                    #expect(Set(primaries).count == n)
                    #expect(primaries.allSatisfy { $0.index < n })
                    #expect(primaries[0].index == (initial + Int(start % UInt64(n))) % n)
                }
            }
        }
    }

    @Test("primary(of:initial:) is defined for every view, including UInt64.max")
    func primaryOfHugeView() {
        let c = ClusterConfiguration(replicas: 4, faultModel: .byzantine)
        // 2^64 ≡ 0 (mod 4), so (1 + (2^64 - 1)) mod 4 == 0.
        #expect(c.primary(of: ViewNumber(.max), initial: ReplicaID(1)) == ReplicaID(0))
        #expect(c.primary(of: ViewNumber(.max), initial: ReplicaID(3)) == ReplicaID(2))
    }

    @Test("every cluster size accepted by the simulator (N ≥ 4) constructs a Byzantine configuration")
    func everyByzantineSizeConstructs() {
        for n in 4...20 {
            let c = ClusterConfiguration(replicas: n, faultModel: .byzantine)
            #expect(2 * c.quorum - n >= c.f + 1)
            #expect(n - c.f >= c.quorum)
        }
    }
}
