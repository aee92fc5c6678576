import Foundation
import Testing
@testable import BLS12381

/// Cross-checks our signatures against py_ecc's `G2ProofOfPossession.Sign`.
///
/// Runs only when `python3 -c 'import py_ecc'` works. With DQBFT_INSTALL_PYECC=1
/// the test first tries `python3 -m pip install py_ecc`; otherwise it prints a
/// message and skips.
@Suite struct PyEccCrossCheckTests {
    @discardableResult
    static func run(_ arguments: [String], input: String? = nil) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let out = Pipe()
        let inPipe = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = inPipe
        do { try process.run() } catch { return (-1, "") }
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func pyEccAvailable() -> Bool {
        if run(["python3", "-c", "import py_ecc"]).status == 0 { return true }
        guard ProcessInfo.processInfo.environment["DQBFT_INSTALL_PYECC"] == "1" else { return false }
        run(["python3", "-m", "pip", "install", "--quiet", "py_ecc"])
        return run(["python3", "-c", "import py_ecc"]).status == 0
    }

    static let script = """
    import sys
    from py_ecc.bls import G2ProofOfPossession as bls
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        sk = int(parts[0], 16)
        msg = bytes.fromhex(parts[1]) if len(parts) > 1 else b""
        print(bls.Sign(sk, msg).hex(), bls.SkToPk(sk).hex(), flush=True)
    """

    @Test func signaturesMatchPyEcc() throws {
        guard Self.pyEccAvailable() else {
            print("SKIPPED py_ecc cross-check: python3 with py_ecc is not available (set DQBFT_INSTALL_PYECC=1 to pip-install it)")
            return
        }
        var rng = SplitMix64(seed: 0x9ecc)
        var keys = [BLS12381.SecretKey]()
        var messages = [[UInt8]]()
        while keys.count < 50 {
            let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
            guard let sk = try? BLS12381.SecretKey(bytes: bytes) else { continue }
            keys.append(sk)
            messages.append((0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
        let input = zip(keys, messages).map { "\(hex($0.bytes)) \(hex($1))" }.joined(separator: "\n") + "\n"
        let result = Self.run(["python3", "-c", Self.script], input: input)
        #expect(result.status == 0)
        let lines = result.output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(lines.count == keys.count)
        for (i, line) in lines.enumerated() where i < keys.count && line.count == 2 {
            #expect(hex(keys[i].sign(messages[i]).compressed) == line[0], "signature \(i)")
            #expect(hex(keys[i].publicKey.compressed) == line[1], "public key \(i)")
        }
    }
}
