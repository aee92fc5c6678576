/// The asking side of a chunked, resumable state transfer (issue 27): the state at
/// one certified checkpoint, gathered chunk by chunk from peers.
///
/// Why chunks: the state went as one message, and the runtime's frames stop at
/// 16 MiB, so a restarted replica never caught up on a larger state; a lost reply
/// also lost the whole state. Now the replica asks one peer at a time (its source)
/// for byte ranges of the encoded state (`Replica.snapshot`), `chunkBytes` each,
/// at most `window` at once, and keeps every chunk it gets: when the source falls
/// silent for a retry period the next peer is asked, and only for the chunks still
/// missing. A late chunk from an earlier source is kept too.
///
/// Integrity is checked once, on the whole state. A chunk carries no proof of its
/// own: the certified checkpoint digest covers the decoded state, not its bytes,
/// and digests per chunk would change what a checkpoint digest means. So the bytes
/// are installed only if they decode to a state with the certified digest (the
/// check every transferred state always had). On a mismatch, or when two sources
/// disagree on the state's length, every chunk is dropped and the sources that
/// served them are remembered: a source that served a whole failed assembly alone
/// lied (correct replicas encode equal states to equal bytes: `snapshot()` is a
/// function of the state, and the client table and frontier are canonical), and is
/// not asked again for this checkpoint; the sources of a mixed one are suspects,
/// asked again only once every other peer has been tried since. So a liar spoils
/// at most one assembly, after which a peer that never served a bad one is asked.
/// (Only if every peer turns out a liar, e.g. after corruption in transit, does the
/// replica forget what it learned and start over.)
///
/// Limitation: an assembly serves one checkpoint, and peers keep a checkpoint's
/// state only while it is at or above their stable one. A transfer that takes
/// longer than the cluster needs to make a newer checkpoint stable starts over at
/// that one (the replica learns its certificate and awaits it), so under load a
/// state must transfer within about a checkpoint period. With the default 1 MiB
/// chunks a 64 MiB state takes about 2 s on loopback; with 64-byte chunks in the
/// simulator (states of 60 to 290 KB, thousands of chunks over WAN round trips)
/// about half of the N=4 `dqbft sweep` seeds stalled this way, every time by a
/// newer certificate, never by a failed digest check.
///
/// Guarantees: holds the chunks of one state only (this checkpoint's) and at most
/// `maxStateBytes` of them; never asks for a chunk it holds, nor has more than
/// `window` requests to its source outstanding; `assembled()` is the bytes
/// `[0, totalBytes)` in order, every chunk of the length its offset implies; never
/// picks this replica or a known liar as a source while another peer remains.
struct StateAssembly: Sendable {
    /// The checkpoint whose state this is, and its certified digest.
    let sequence: SequenceNumber
    let digest: Digest
    /// Bytes per chunk (every chunk but the last), and most requests outstanding.
    let chunkBytes: Int
    let window: Int
    /// Largest state accepted (the length a source claims is checked against it).
    let maxStateBytes: Int
    /// The state's length, as the first chunk kept claimed.
    private(set) var totalBytes: Int?
    /// Chunks kept, by index, with the peer that sent each.
    private(set) var chunks: [Int: (bytes: [UInt8], source: ReplicaID)] = [:]
    /// Chunk indices asked of `source` and not received yet.
    private(set) var asked: Set<Int> = []
    /// The peer asked now.
    private(set) var source: ReplicaID?
    /// Peers that served a whole failed assembly alone: never asked again (for this checkpoint).
    private(set) var liars: Set<ReplicaID> = []
    /// Peers that served part of a failed assembly.
    private(set) var suspects: Set<ReplicaID> = []
    /// Peers asked since the last failed assembly.
    private(set) var tried: Set<ReplicaID> = []
    /// Failed assemblies so far.
    private(set) var failures = 0
    /// A deliberate bug for the mutation check of the tests (`Mutant`), or nil.
    var mutant: Mutant?

    init(sequence: SequenceNumber, digest: Digest, chunkBytes: Int, window: Int, maxStateBytes: Int, mutant: Mutant? = nil) {
        precondition(chunkBytes >= 1 && window >= 1 && maxStateBytes >= 0)
        self.sequence = sequence
        self.digest = digest
        self.chunkBytes = chunkBytes
        self.window = window
        self.maxStateBytes = maxStateBytes
        self.mutant = mutant
    }

    /// Chunks in the state, once its length is known (an empty state is one empty chunk).
    var chunkCount: Int? { totalBytes.map { max(1, ($0 + chunkBytes - 1) / chunkBytes) } }

    /// What `take` did with a chunk.
    enum Outcome: Equatable {
        /// Not for this assembly, or a chunk already kept.
        case ignored
        /// Kept; more are missing.
        case kept
        /// Kept, and it was the last one missing: `assembled()` is ready to check.
        case complete
        /// Refused: its sender lied about its length, or disagreed with the length
        /// of the chunks kept (then they were dropped, as after `failed`).
        case refused
    }

    /// Takes a chunk that `from` sent.
    mutating func take(_ c: StateChunk, from: ReplicaID) -> Outcome {
        guard c.sequence == sequence, c.offset % UInt64(chunkBytes) == 0 else { return .ignored }
        guard c.totalBytes <= UInt64(maxStateBytes), c.offset <= c.totalBytes else {
            distrust(from)
            return .refused
        }
        let total = Int(c.totalBytes)
        let offset = Int(c.offset)
        if let known = totalBytes, known != total {
            failed(also: from)
            return .refused
        }
        // A correct source sends exactly the bytes asked for, or the tail.
        guard offset < total || (offset == 0 && total == 0), c.bytes.count == min(chunkBytes, total - offset) else {
            distrust(from)
            return .refused
        }
        let index = offset / chunkBytes
        guard chunks[index] == nil else { return .ignored }
        totalBytes = total
        chunks[index] = (c.bytes, from)
        asked.remove(index)
        return chunks.count == chunkCount ? .complete : .kept
    }

    /// A source that sent a chunk no correct replica sends.
    private mutating func distrust(_ peer: ReplicaID) {
        liars.insert(peer)
        if peer == source { asked = [] }
    }

    /// The state's bytes, in order; only once `take` returned `.complete`.
    func assembled() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(totalBytes ?? 0)
        for i in 0..<(chunkCount ?? 0) { bytes += chunks[i]?.bytes ?? [] }
        return bytes
    }

    /// The assembled state did not match the certified digest (or, with `also`, a
    /// source disagreed on its length): drops every chunk and remembers who served
    /// them — one source alone is a liar, several are suspects.
    mutating func failed(also: ReplicaID? = nil) {
        var served = Set(chunks.values.map(\.source))
        if let also { served.insert(also) }
        if mutant == .stateTransferForgetsLiars {
            served = []
        } else if served.count == 1 {
            liars.formUnion(served)
        } else {
            suspects.formUnion(served)
        }
        chunks = [:]
        totalBytes = nil
        asked = []
        tried = []
        failures += 1
    }

    /// Picks the next source after peer `previous` in round-robin order: a peer
    /// neither lying, suspected nor tried since the last failure if there is one,
    /// else the next that is no liar. Outstanding requests are forgotten (the old
    /// source's late answers are still taken).
    mutating func rotate(after previous: Int, replicas n: Int, me: ReplicaID) -> ReplicaID {
        let order = (1...n).map { ReplicaID((previous + $0) % n) }.filter { $0 != me }
        var next = order.first { !liars.contains($0) && !suspects.contains($0) && !tried.contains($0) }
            ?? order.first { !liars.contains($0) }
        if next == nil {
            // Every peer served a failed assembly alone: something else went wrong
            // (corruption in transit); start over rather than give up.
            liars = []
            suspects = []
            next = order.first
        }
        let chosen = next ?? ReplicaID((previous + 1) % n)
        if mutant == .stateTransferRestartsChunks, chosen != source {
            chunks = [:]
            totalBytes = nil
        }
        source = chosen
        tried.insert(chosen)
        asked = []
        return chosen
    }

    /// Chunk indices to ask the source for now, marked as asked: the lowest missing
    /// ones not asked yet, up to `window` outstanding (just the first while the
    /// state's length is unknown).
    mutating func nextRequests() -> [Int] {
        guard source != nil else { return [] }
        guard let count = chunkCount else {
            if asked.isEmpty, chunks.isEmpty { asked.insert(0); return [0] }
            return []
        }
        var out: [Int] = []
        var i = 0
        while asked.count < window, i < count {
            if chunks[i] == nil, !asked.contains(i) {
                asked.insert(i)
                out.append(i)
            }
            i += 1
        }
        return out
    }
}
