import Foundation
import Testing
@testable import DQBFTNet

/// A program in another language (Python's standard library) puts, gets and
/// deletes through `dqbft gateway` against a real 4-replica cluster.
@Suite("HTTP gateway for non-Swift clients", .serialized, .timeLimit(.minutes(10)),
       .enabled(if: builtExecutable() != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/env"),
                "needs the dqbft executable"))
struct GatewayTests {
    static let script = #"""
import json, sys, urllib.request, urllib.error
base, token = sys.argv[1], sys.argv[2]
def call(method, key, data=None, auth=True):
    req = urllib.request.Request(base + "/v1/kv/" + key, data=data, method=method)
    if auth: req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=20) as r: return r.status, r.read()
    except urllib.error.HTTPError as e: return e.code, e.read()
out = []
out.append(call("PUT", "color", b"blue"))
out.append(call("GET", "color"))
out.append(call("DELETE", "color"))
out.append(call("GET", "color"))
out.append(call("GET", "color", auth=False))
print(json.dumps([[s, b.decode()] for s, b in out]))
"""#

    @Test("Python puts, gets and deletes through the gateway; a request without the token is refused")
    func python() async throws {
        let c = TestCluster(n: 4, protocol: "dqpbft")
        defer { Task { await c.shutdown() } }
        for i in 0..<4 { try await c.start(i) }
        let config = c.directory + "/cluster.json"
        try c.cluster.write(to: config)
        let port = freePorts(1)[0]
        let gateway = Process()
        gateway.executableURL = try #require(builtExecutable())
        gateway.arguments = ["gateway", "--config", config, "--port", "\(port)"]
        gateway.standardOutput = FileHandle.nullDevice
        gateway.standardError = FileHandle.nullDevice
        try gateway.run()
        defer { gateway.terminate(); gateway.waitUntilExit() }
        let tokenPath = c.directory + "/gateway.token"
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: tokenPath) { try await Task.sleep(nanoseconds: 50_000_000) }
        try await Task.sleep(nanoseconds: 300_000_000)  // the listener comes up right after the token
        let token = try String(contentsOfFile: tokenPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", Self.script, "http://127.0.0.1:\(port)", token]
        let out = Pipe()
        python.standardOutput = out
        try python.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        python.waitUntilExit()
        let results = try #require(try JSONSerialization.jsonObject(with: data) as? [[Any]], "\(String(decoding: data, as: UTF8.self))")
        let codes = results.map { $0[0] as? Int ?? 0 }
        #expect(codes == [200, 200, 200, 404, 401], "\(results)")
        #expect(results[1][1] as? String == "blue")
        #expect(results[2][1] as? String == #"{"deleted":true}"#)
    }
}
