#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DQBFTCore
import Foundation

/// Which replica of which cluster a data directory belongs to: one line in
/// `<dataDirectory>/REPLICA`, written (and synced) at the replica's first start.
///
/// Why: a replica that starts from an empty directory has no memory of the votes it
/// sent, so it could contradict them; a wiped or mistyped directory must not pass
/// for a first start, and one replica's directory must not be taken for another's.
///
/// Guarantees: `line` names the replica id and a digest of every replica's public
/// key in the configuration; `check` accepts only that exact line.
enum DataDirectoryIdentity {
    static let fileName = "REPLICA"

    static func line(cluster: ClusterFile, id: ReplicaID) -> String {
        let keys = cluster.replicas.sorted { $0.id < $1.id }.map(\.publicKey).joined(separator: ",")
        return "dqbft replica \(id.index) of cluster \(Digest.of(Array(keys.utf8)))"
    }

    /// The line recorded in `directory`, nil if there is none.
    static func recorded(in directory: String) -> String? {
        guard let data = FileManager.default.contents(atPath: directory + "/" + fileName) else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Records `line` in `directory`, durably (file and directory synced).
    static func record(_ line: String, in directory: String) throws(StorageError) {
        let path = directory + "/" + fileName
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw StorageError.io(path: path, operation: "create", errno: errno) }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        guard bytes.withUnsafeBytes({ systemWrite(fd, $0.baseAddress!, $0.count) }) == bytes.count, fsync(fd) == 0 else {
            throw StorageError.io(path: path, operation: "write", errno: errno)
        }
        try WriteAheadLog.syncDirectory(directory)
    }
}
