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

    public static func write(_ bytes: [UInt8], to path: String, io: any LogIO = PosixLogIO()) throws(StorageError) {
        let temp = path + ".tmp"
        var header = magic
        let length = UInt64(bytes.count), crc = CRC32C.checksum(bytes)
        for s in stride(from: 56, through: 0, by: -8) { header.append(UInt8(truncatingIfNeeded: length >> UInt64(s))) }
        for s in stride(from: 24, through: 0, by: -8) { header.append(UInt8(truncatingIfNeeded: crc >> UInt32(s))) }
        let fd = try io.open(temp, truncating: true)
        defer { io.close(fd) }
        try io.write(fd, header, at: 0, path: temp)
        try io.write(fd, bytes, at: header.count, path: temp)
        try io.sync(fd, path: temp, dataOnly: false)
        try io.rename(temp, to: path)
        let directory = (path as NSString).deletingLastPathComponent
        try io.syncDirectory(directory.isEmpty ? "." : directory)
    }

    public static func read(_ path: String, io: any LogIO = PosixLogIO()) throws(StorageError) -> [UInt8]? {
        guard io.exists(path) else { return nil }
        let bytes = try io.read(path)
        guard bytes.count >= 16, Array(bytes[0..<4]) == magic else { throw .corrupt(path: path, reason: "no snapshot header") }
        var length: UInt64 = 0, crc: UInt32 = 0
        for i in 4..<12 { length = length << 8 | UInt64(bytes[i]) }
        for i in 12..<16 { crc = crc << 8 | UInt32(bytes[i]) }
        guard length == UInt64(bytes.count - 16) else { throw .corrupt(path: path, reason: "length \(length) in the header, \(bytes.count - 16) bytes present") }
        let body = Array(bytes[16...])
        guard CRC32C.checksum(body) == crc else { throw .corrupt(path: path, reason: "checksum mismatch") }
        return body
    }
}
