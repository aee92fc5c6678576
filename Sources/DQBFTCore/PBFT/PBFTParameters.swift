/// Tuning of a PBFT instance: exactly the parameters every instance type shares
/// (window, checkpoints, timeouts, in-flight cap; see `InstanceParameters`).
///
/// Guarantees: those of `InstanceParameters`.
public typealias PBFTParameters = InstanceParameters
