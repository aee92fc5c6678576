#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DQBFTCrypto
import Foundation

/// A client's persisted identity for command-line tools: one Ed25519 private key in
/// a file (hex, mode 0600, as `KeyFiles` writes replica keys), created on first use,
/// so `dqbft kv` and `dqbft bench` keep one client identity (and one slot in the
/// replicas' client table) across runs instead of minting a new one each time.
///
/// Guarantees: `load(orCreateAt:)` returns the key in the file, or creates the file
/// with a fresh key if there is none (an unreadable or malformed file is an error,
/// never silently replaced). Reusing the identity is safe across runs because every
/// `DQBFTClient` starts its timestamps from the wall clock (see `DQBFTClient.Options.firstTimestamp`).
public enum ClientIdentityFile {
    /// The default path: `client.key` next to the cluster configuration file.
    public static func defaultPath(forConfiguration config: String) -> String {
        let directory = (config as NSString).deletingLastPathComponent
        return (directory.isEmpty ? "." : directory) + "/client.key"
    }

    public static func load(orCreateAt path: String) throws(KeyFileError) -> ClientSigningKey {
        if FileManager.default.fileExists(atPath: path) { return try ClientSigningKey(readingFileAt: path) }
        let key = ClientSigningKey()
        try key.write(to: path)
        return key
    }

    /// `load(orCreateAt:)` for one process at a time: the file is locked (`flock`)
    /// until this process exits. Two processes with one key would step on each
    /// other's client ids and replies, so while another process holds the lock this
    /// returns a fresh one-off key instead (`persisted` false).
    public static func claim(orCreateAt path: String) throws(KeyFileError) -> (key: ClientSigningKey, persisted: Bool) {
        let key = try load(orCreateAt: path)
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .unreadable(path: path) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return (ClientSigningKey(), false)
        }
        return (key, true)  // the descriptor, and so the lock, lives as long as the process
    }
}
