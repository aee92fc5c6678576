import Logging
import NIOCore

/// Lets through at most `burst` warnings per `interval`; the rest are counted and
/// reported in the first warning of the next interval (`suppressed`), so a flood of
/// refused or failed connections cannot flood the log.
///
/// Guarantees: thread-safe; at most `burst` lines per interval; every suppressed
/// warning is counted in the next line let through.
public final class LogRateLimiter: Sendable {
    public let burst: Int
    public let interval: TimeAmount
    let state = LockedBox<(windowStart: NIODeadline, logged: Int, suppressed: Int)>((.distantPast, 0, 0))

    public init(burst: Int = 10, interval: TimeAmount = .seconds(10)) {
        precondition(burst >= 1 && interval > .zero)
        self.burst = burst
        self.interval = interval
    }

    /// Whether a warning may be logged now, and how many were suppressed before it.
    func admit(now: NIODeadline = .now()) -> (log: Bool, suppressed: Int) {
        state.withLock { s in
            if now - s.windowStart >= interval { s.windowStart = now; s.logged = 0 }
            guard s.logged < burst else { s.suppressed += 1; return (false, 0) }
            s.logged += 1
            defer { s.suppressed = 0 }
            return (true, s.suppressed)
        }
    }

    /// Logs `message` as a warning if the budget allows; otherwise counts it.
    public func warning(_ message: Logger.Message, metadata: Logger.Metadata = [:], logger: Logger) {
        let (log, suppressed) = admit()
        guard log else { return }
        var metadata = metadata
        if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
        logger.warning(message, metadata: metadata)
    }
}
