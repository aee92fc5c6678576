import Foundation

/// A value guarded by a lock, shareable across threads.
///
/// Guarantees: every access to the value happens inside `withLock`, so reads and
/// writes from different threads never race.
public final class LockedBox<Value>: @unchecked Sendable {
    let lock = NSLock()
    var value: Value

    public init(_ value: Value) { self.value = value }

    @discardableResult
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
