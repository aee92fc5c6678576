/// State transfer between replicas, in chunks (issue 27).
///
/// A replica that falls behind a certified checkpoint (`awaitingState`) fetches
/// the state there through a `StateAssembly`: one peer at a time, byte ranges of
/// the encoded state, resumed from the chunks it holds when it moves to another
/// peer, and installed only once the whole decodes to the certified digest. A
/// serving replica encodes a checkpoint's state once, on the first request, and
/// answers every chunk of it from those bytes while it keeps that checkpoint.
///
/// Guarantees: a state is installed only at the awaited checkpoint and only if it
/// matches the certified digest (`installState`); a replica assembles at most one
/// state and holds at most one chunk offered for a newer checkpoint; a serving
/// replica keeps at most `maxEncodedStates` encodings, each of a checkpoint state
/// it keeps anyway, and never sends a chunk larger than
/// `ReplicaParameters.maxStateChunkBytes`.
extension Replica {
    /// Most checkpoint states kept. Instances deliver only within their window above
    /// the stable checkpoint, so a correct replica holds a few; this only bounds the
    /// pathological case.
    static let maxCheckpointStates = 32

    /// Most encoded checkpoint states a serving replica keeps (the ones peers asked
    /// for last).
    static let maxEncodedStates = 2

    /// Forgets states below the stable checkpoint. The stable one stays: it is the
    /// only state a lagging peer can be sure to get a certificate for, and newer
    /// checkpoints cannot become stable while such a peer waits for it.
    mutating func pruneCheckpointStates() {
        let stable = composition.stableState.sequence
        while checkpointStates.count > 1, checkpointStates[1].sequence <= stable { checkpointStates.removeFirst() }
        if checkpointStates.count > Self.maxCheckpointStates { checkpointStates.removeFirst(checkpointStates.count - Self.maxCheckpointStates) }
        if !encodedStates.isEmpty {
            encodedStates.removeAll { e in !checkpointStates.contains { $0.sequence == e.sequence } }
        }
    }

    // MARK: Asking

    /// Starts fetching the awaited state, or, on the retry timer (no chunk came
    /// for a retry period), moves on to the next peer for the chunks still missing.
    mutating func requestState(into out: inout [ReplicaEffect]) {
        guard awaitingState != nil else { return }
        if installDurableState(into: &out) { return }
        assembleAwaited()
        // Ask one peer at a time, rotating, so one silent or lying peer only delays.
        stateSource = assembly!.rotate(after: stateSource, replicas: config.replicaCount, me: me).index
        askForChunks(into: &out)
    }

    /// Makes `assembly` the one of the awaited state (a new one if that changed).
    mutating func assembleAwaited() {
        guard let want = awaitingState, assembly?.sequence != want.sequence || assembly?.digest != want.digest else { return }
        assembly = StateAssembly(sequence: want.sequence, digest: want.digest, chunkBytes: parameters.stateChunkBytes,
                                 window: parameters.stateChunksInFlight, maxStateBytes: parameters.maxStateBytes,
                                 mutant: config.mutant)
    }

    /// Asks the source for the next missing chunks and (re)arms the retry timer.
    mutating func askForChunks(into out: inout [ReplicaEffect]) {
        guard var a = assembly, let source = a.source else { return }
        for index in a.nextRequests() {
            let request = StateRequest(sequence: a.sequence, offset: UInt64(index) * UInt64(a.chunkBytes),
                                       length: UInt32(a.chunkBytes))
            out.append(.send(.stateRequest(from: me, request), to: source))
        }
        assembly = a
        out.append(.setTimer(.stateTransfer, afterNanos: parameters.stateRetryNanos))
    }

    /// A chunk from a peer.
    mutating func onStateChunk(_ chunk: StateChunk, from peer: ReplicaID, into out: inout [ReplicaEffect]) {
        guard let want = awaitingState, peer != me else { return }
        if chunk.sequence > want.sequence {
            // Offered with the certificate of a newer checkpoint (`onStateRequest`):
            // taken once that certificate makes the checkpoint stable here.
            offeredChunk = (chunk, peer)
            return
        }
        guard chunk.sequence == want.sequence, assembly?.sequence == want.sequence else { return }
        take(chunk, from: peer, into: &out)
    }

    /// Adds a chunk to the assembly; installs the state when it is complete. An
    /// assembly that has no source yet (a chunk offered before it began) is left
    /// for the caller to start.
    mutating func take(_ chunk: StateChunk, from peer: ReplicaID, into out: inout [ReplicaEffect]) {
        switch assembly!.take(chunk, from: peer) {
        case .ignored: return
        case .kept: askForChunks(into: &out)
        case .refused:
            // The source lied or the chunks were dropped: move on at once.
            if assembly!.source != nil, assembly!.asked.isEmpty { requestState(into: &out) }
        case .complete:
            let want = assembly!
            let state = StateReply(sequence: want.sequence, snapshot: want.assembled())
            let limits = WireLimits(maxFrameBytes: max(parameters.maxStateBytes, WireLimits.default.maxFrameBytes))
            if installState(state, limits: limits, into: &out) { return }
            guard assembly?.sequence == want.sequence else { return }
            assembly!.failed()
            if assembly!.source != nil { requestState(into: &out) }
        }
    }

    /// Installs the chunk offered for a newer checkpoint if that is the one this
    /// replica now waits for; true if the state is installed.
    mutating func installOffered(into out: inout [ReplicaEffect]) -> Bool {
        guard let (chunk, peer) = offeredChunk, let want = awaitingState, chunk.sequence == want.sequence else { return false }
        offeredChunk = nil
        assembleAwaited()
        take(chunk, from: peer, into: &out)
        return lastExecuted >= want.sequence
    }

    // MARK: Serving

    /// Sends the chunk a peer asked for of the state at checkpoint `req.sequence`.
    /// A state this replica has pruned (its stable checkpoint moved past it) cannot
    /// be sent; the peer could only ask again for the stable one if it knew its
    /// certificate, and a peer that lags behind may never gather that certificate
    /// from the checkpoint votes alone (with f faulty replicas not voting towards
    /// it, the correct ones minus itself can be fewer than a quorum). So it gets
    /// the certificate, as the checkpoint messages its instance accepts from any
    /// relaying peer, and the same chunk of the stable state: found in a hybster
    /// N=4 sweep (seed 25), where a resumed replica asked the faulty replica first
    /// and every later request came after the others' stable checkpoint moved on,
    /// until the end of the run.
    ///
    /// The chunk goes only with the first such answer per peer and stable
    /// checkpoint: a restarted replica asks for one older checkpoint after another
    /// as it learns of them, and each answer would carry a chunk it has by then
    /// (seen with a 64 MiB state: 38 of 102 chunks sent were such copies). Later
    /// answers carry the certificate, with which the peer asks for the state itself.
    mutating func onStateRequest(_ req: StateRequest, from peer: ReplicaID, into out: inout [ReplicaEffect]) {
        guard peer != me, peer.index < config.replicaCount else { return }
        if let chunk = stateChunk(at: req.sequence, offset: req.offset, length: req.length) {
            out.append(.send(.stateChunk(from: me, chunk), to: peer))
            return
        }
        let stable = composition.stableState.sequence
        guard stable > req.sequence, checkpointStates.contains(where: { $0.sequence == stable }) else { return }
        let proof = composition.stableProof
        for c in proof.checkpoints {
            out.append(.send(.consensus(from: me, instance: proof.instance, .checkpoint(c)), to: peer))
        }
        guard stateOffers[peer] != stable, let chunk = stateChunk(at: stable, offset: req.offset, length: req.length) else { return }
        stateOffers[peer] = stable
        out.append(.send(.stateChunk(from: me, chunk), to: peer))
    }

    /// Bytes `[offset, offset + length)` of the encoded state at `sequence` (at most
    /// `maxStateChunkBytes`, fewer at the end), if this replica keeps that state. An
    /// offset past the end (the asker believed a liar's length) gets the first chunk,
    /// whose length shows the asker the truth.
    mutating func stateChunk(at sequence: SequenceNumber, offset: UInt64, length: UInt32) -> StateChunk? {
        guard let bytes = encodedState(at: sequence) else { return nil }
        let start = offset < UInt64(bytes.count) ? Int(offset) : 0
        let count = min(Int(length), ReplicaParameters.maxStateChunkBytes, bytes.count - start)
        return StateChunk(sequence: sequence, offset: UInt64(start), totalBytes: UInt64(bytes.count),
                          bytes: Array(bytes[start ..< start + count]))
    }

    /// The encoded state at checkpoint `sequence`, encoded on first use and kept
    /// while the checkpoint is (at most `maxEncodedStates`, the newest used).
    mutating func encodedState(at sequence: SequenceNumber) -> [UInt8]? {
        if let i = encodedStates.firstIndex(where: { $0.sequence == sequence }) {
            let e = encodedStates.remove(at: i)
            encodedStates.append(e)
            return e.bytes
        }
        guard let saved = checkpointStates.first(where: { $0.sequence == sequence }) else { return nil }
        let bytes = Self.snapshot(app: saved.app, clients: saved.clients, frontier: saved.frontier)
        encodedStates.append((sequence, bytes))
        if encodedStates.count > Self.maxEncodedStates { encodedStates.removeFirst(encodedStates.count - Self.maxEncodedStates) }
        return bytes
    }

    func stateReply(at sequence: SequenceNumber) -> StateReply? {
        if let cached = encodedStates.first(where: { $0.sequence == sequence }) {
            return StateReply(sequence: sequence, snapshot: cached.bytes)
        }
        guard let saved = checkpointStates.first(where: { $0.sequence == sequence }) else { return nil }
        return StateReply(sequence: sequence, snapshot: Self.snapshot(app: saved.app, clients: saved.clients, frontier: saved.frontier))
    }
}
