#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Whole-file snapshots replaced atomically.
///
/// Format: magic "DQSN", 8-byte big-endian length, 4-byte CRC-32C, then the bytes.
///
/// Guarantees: after `write` returns, a crash at any moment leaves either the old
/// or the new snapshot at `path`, never a mix (temp file, fsync, rename, fsync of
/// the directory); `read` returns nil for a missing file and throws for a corrupt one.
public enum SnapshotFile {
    static let magic: [UInt8] = Array("DQSN".utf8)

    public static func write(_ bytes: [UInt8], to path: String) throws(StorageError) {
        let temp = path + ".tmp"
        var header = magic
        let length = UInt64(bytes.count), crc = CRC32C.checksum(bytes)
        for s in stride(from: 56, through: 0, by: -8) { header.append(UInt8(truncatingIfNeeded: length >> UInt64(s))) }
        for s in stride(from: 24, through: 0, by: -8) { header.append(UInt8(truncatingIfNeeded: crc >> UInt32(s))) }
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw .io(path: temp, operation: "open", errno: errno) }
        var ok = true
        for part in [header, bytes] {
            var offset = 0
            while ok && offset < part.count {
                let n = part.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + offset, $0.count - offset) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { ok = false } else { offset += n }
            }
        }
        let error = errno
        guard ok, fsync(fd) == 0 else { close(fd); throw .io(path: temp, operation: "write", errno: error) }
        close(fd)
        guard rename(temp, path) == 0 else { throw .io(path: path, operation: "rename", errno: errno) }
        let directory = (path as NSString).deletingLastPathComponent
        try WriteAheadLog.syncDirectory(directory.isEmpty ? "." : directory)
    }

    public static func read(_ path: String) throws(StorageError) -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw .io(path: path, operation: "read", errno: errno) }
        let bytes = [UInt8](data)
        guard bytes.count >= 16, Array(bytes[0..<4]) == magic else { throw .io(path: path, operation: "parse header", errno: EINVAL) }
        var length: UInt64 = 0, crc: UInt32 = 0
        for i in 4..<12 { length = length << 8 | UInt64(bytes[i]) }
        for i in 12..<16 { crc = crc << 8 | UInt32(bytes[i]) }
        guard length == UInt64(bytes.count - 16) else { throw .io(path: path, operation: "check length", errno: EINVAL) }
        let body = Array(bytes[16...])
        guard CRC32C.checksum(body) == crc else { throw .io(path: path, operation: "check checksum", errno: EINVAL) }
        return body
    }
}
