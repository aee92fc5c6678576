extension ReplyProof {
    /// Whether `reply` is proven by this proof under `scheme`: its leaf leads to
    /// `root` along `path`, and f+1 execution shares signed the root (`statement`).
    public func proves(_ reply: ClientReply, scheme: any CertificateScheme) -> Bool {
        MerkleTree.root(leaf: Self.leaf(client: reply.client, timestamp: reply.timestamp, request: reply.request,
                                        result: reply.result),
                        index: Int(index), path: path) == root
            && scheme.verifyExecution(signature, message: Self.statement(sequence: sequence, root: root))
    }
}
