#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The file operations the write-ahead log and snapshots go through, so a test can
/// put a crash at any one of them (`WriteAheadLog`, `SnapshotFile`).
///
/// Guarantees expected from conformers: each mutating call (create, write, sync,
/// directory sync, rename, unlink, truncate) either happens entirely or throws;
/// `write` writes all of `bytes` at `offset`; `sync(dataOnly:)` returns once the
/// file's data is on stable storage. `PosixLogIO` is the real file system.
public protocol LogIO: Sendable {
    func makeDirectory(_ path: String) throws(StorageError)
    /// File names in `directory` (none if it does not exist).
    func list(_ directory: String) -> [String]
    func exists(_ path: String) -> Bool
    func read(_ path: String) throws(StorageError) -> [UInt8]
    /// Opens `path` for writing, creating it if needed (`truncating`: to length 0).
    func open(_ path: String, truncating: Bool) throws(StorageError) -> Int32
    func size(_ fd: Int32) -> Int
    func close(_ fd: Int32)
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws(StorageError)
    func sync(_ fd: Int32, path: String, dataOnly: Bool) throws(StorageError)
    func syncDirectory(_ path: String) throws(StorageError)
    func rename(_ from: String, to: String) throws(StorageError)
    /// Removes `path`; a missing file is not an error.
    func unlink(_ path: String) throws(StorageError)
    func truncate(_ path: String, to length: Int) throws(StorageError)
}

// The C functions, under names the methods below do not shadow.
private func posixOpen(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 { open(path, flags, mode) }
private func posixClose(_ fd: Int32) -> Int32 { close(fd) }
private func posixRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }
private func posixUnlink(_ path: String) -> Int32 { unlink(path) }
private func posixTruncate(_ path: String, _ length: off_t) -> Int32 { truncate(path, length) }

/// The real file system (POSIX calls).
///
/// Guarantees: retries `write` on EINTR and short writes; every failure throws
/// `StorageError.io` with the path, the operation and errno.
public struct PosixLogIO: LogIO {
    public init() {}

    public func makeDirectory(_ path: String) throws(StorageError) {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw .io(path: path, operation: "mkdir", errno: errno)
        }
    }

    public func list(_ directory: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    }

    public func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public func read(_ path: String) throws(StorageError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .io(path: path, operation: "read", errno: errno) }
        return [UInt8](data)
    }

    public func open(_ path: String, truncating: Bool) throws(StorageError) -> Int32 {
        let fd = posixOpen(path, O_WRONLY | O_CREAT | (truncating ? O_TRUNC : 0), 0o600)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        return fd
    }

    public func size(_ fd: Int32) -> Int { Int(lseek(fd, 0, SEEK_END)) }

    public func close(_ fd: Int32) { _ = posixClose(fd) }

    public func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws(StorageError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "write", errno: errno)
            }
            done += n
        }
    }

    public func sync(_ fd: Int32, path: String, dataOnly: Bool) throws(StorageError) {
        #if canImport(Glibc)
        let rc = dataOnly ? fdatasync(fd) : fsync(fd)
        #else
        let rc = fsync(fd)
        #endif
        guard rc == 0 else { throw .io(path: path, operation: dataOnly ? "fdatasync" : "fsync", errno: errno) }
    }

    public func syncDirectory(_ path: String) throws(StorageError) {
        let dfd = posixOpen(path, O_RDONLY)
        guard dfd >= 0 else { throw .io(path: path, operation: "open directory", errno: errno) }
        defer { _ = posixClose(dfd) }
        guard fsync(dfd) == 0 else { throw .io(path: path, operation: "fsync directory", errno: errno) }
    }

    public func rename(_ from: String, to: String) throws(StorageError) {
        guard posixRename(from, to) == 0 else { throw .io(path: from, operation: "rename", errno: errno) }
    }

    public func unlink(_ path: String) throws(StorageError) {
        guard posixUnlink(path) == 0 || errno == ENOENT else { throw .io(path: path, operation: "unlink", errno: errno) }
    }

    public func truncate(_ path: String, to length: Int) throws(StorageError) {
        guard posixTruncate(path, off_t(length)) == 0 else { throw .io(path: path, operation: "truncate", errno: errno) }
    }
}

extension LogIO {
    /// Writes all of `bytes` at `offset`.
    func write(_ fd: Int32, _ bytes: [UInt8], at offset: Int, path: String) throws(StorageError) {
        let result: Result<Void, StorageError> = bytes.withUnsafeBytes { raw in
            do throws(StorageError) { try self.write(fd, raw, at: offset, path: path); return .success(()) } catch { return .failure(error) }
        }
        try result.get()
    }
}
