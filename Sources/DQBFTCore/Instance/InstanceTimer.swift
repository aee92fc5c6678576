/// Timers an instance asks its shell to run (`InstanceEffect.setTimer`); time
/// reaches an instance only as one of these firing.
///
/// Guarantees (of the shells): setting a timer that is already set replaces it,
/// and a cancelled timer does not fire.
public enum InstanceTimer: Hashable, Sendable {
    /// A backup waits for accepted proposals to commit.
    case progress
    /// A replica waits for NEW-VIEW after asking for a view.
    case viewChange
    /// A replica retries fetching payloads it is missing.
    case fetch
    /// A hybrid replica re-sends its shares to the next collector.
    case collector
}
