import Foundation

/// A value guarded by a lock, shareable across threads.
///
/// Guarantees: every access to the value happens inside `withLock`, so reads and
/// writes from different threads never race. (`withLock` is inlinable so callers
/// in other modules get a specialised version, with no generic metadata lookups.)
public final class LockedBox<Value>: @unchecked Sendable {
    @usableFromInline let lock = NSLock()
    @usableFromInline var value: Value

    public init(_ value: Value) { self.value = value }

    @inlinable @discardableResult
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
