#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Durable storage for a trusted subsystem's sealed counter state: a state file
/// and a separate epoch marker file (`<path>.epoch`).
///
/// Guarantees: every write is atomic and durable — data goes to a temporary file
/// in the same directory, which is fsync'ed, renamed over the target, and the
/// directory is fsync'ed — so after a crash either the old or the new content is
/// present, never a torn mix. The subsystem writes the state first and the marker
/// second, so on disk the marker's epoch never exceeds the state's; a state file
/// older than the marker is a rollback and is refused on restore.
///
/// Limitation: an attacker who controls the host can roll back both files
/// together. A real deployment keeps the marker in a TEE-backed monotonic counter;
/// this software store does not enforce the hybrid fault assumption.
public struct TrustedStateFileStore: Sendable {
    public let statePath: String
    public var markerPath: String { statePath + ".epoch" }

    public init(path: String) { self.statePath = path }

    /// Contents of the state file, or nil if it does not exist.
    public func readState() throws(TrustedSubsystemError) -> [UInt8]? { try Self.read(statePath) }

    /// Contents of the epoch marker, or nil if it does not exist.
    public func readMarker() throws(TrustedSubsystemError) -> [UInt8]? { try Self.read(markerPath) }

    public func writeState(_ bytes: [UInt8]) throws(TrustedSubsystemError) { try Self.writeAtomically(bytes, to: statePath) }

    public func writeMarker(_ bytes: [UInt8]) throws(TrustedSubsystemError) { try Self.writeAtomically(bytes, to: markerPath) }

    static func read(_ path: String) throws(TrustedSubsystemError) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .persistenceFailed("open \(path): errno \(errno)")
        }
        defer { close(fd) }
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .persistenceFailed("read \(path): errno \(errno)")
            }
            if n == 0 { return out }
            out.append(contentsOf: buffer[..<n])
        }
    }

    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(TrustedSubsystemError) {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw .persistenceFailed("open \(tmp): errno \(errno)") }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(fd)
                throw .persistenceFailed("write \(tmp): errno \(e)")
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            let e = errno
            close(fd)
            throw .persistenceFailed("fsync \(tmp): errno \(e)")
        }
        close(fd)
        guard rename(tmp, path) == 0 else { throw .persistenceFailed("rename \(tmp): errno \(errno)") }
        let dir = Self.directory(of: path)
        let dfd = open(dir, O_RDONLY)
        if dfd >= 0 {
            defer { close(dfd) }
            guard fsync(dfd) == 0 else { throw .persistenceFailed("fsync \(dir): errno \(errno)") }
        }
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }
}

@inline(__always)
private func posixRead(_ fd: Int32, _ buf: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buf, count)
}
