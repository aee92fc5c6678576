import Foundation

/// Where nodes sit and how long messages take to propagate between regions.
///
/// Guarantees: one-way delay between two regions is half their round-trip time;
/// replicas and client machines are spread over regions round-robin in file order.
public struct Topology: Sendable {
    public enum Kind: String, Sendable, CaseIterable { case lan, azure10 }

    public let kind: Kind
    public let regionNames: [String]
    /// Round-trip times in nanoseconds, `rtt[a][b]`.
    let rttNanos: [[UInt64]]

    public var regionCount: Int { regionNames.count }

    /// Half the round trip between the two regions.
    @inline(__always) func oneWayNanos(_ a: Int, _ b: Int) -> UInt64 { rttNanos[a][b] / 2 }

    /// A single data centre: 200 µs round trip between any two nodes.
    public static let lan = Topology(kind: .lan, regionNames: ["lan"], rttNanos: [[200_000]])

    /// Ten Azure regions with the measured median round-trip times.
    public static func azure10() throws -> Topology {
        guard let url = Bundle.module.url(forResource: "azure-rtt-ms", withExtension: "csv", subdirectory: "Resources")
        else { throw SimulationError.invalidArgument("azure-rtt-ms.csv resource missing") }
        return try parse(csv: String(contentsOf: url, encoding: .utf8))
    }

    /// Parses a square RTT matrix in milliseconds: a header row of region names,
    /// then one row per region starting with its name.
    public static func parse(csv: String) throws -> Topology {
        let rows = csv.split(whereSeparator: \.isNewline).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        guard let header = rows.first, header.count >= 2 else { throw SimulationError.invalidArgument("empty RTT matrix") }
        let names = Array(header.dropFirst())
        var rtt: [[UInt64]] = []
        for row in rows.dropFirst() {
            guard row.count == names.count + 1 else { throw SimulationError.invalidArgument("RTT row \(row.first ?? "?") has \(row.count - 1) values") }
            rtt.append(try row.dropFirst().map { cell in
                guard let ms = Double(cell), ms >= 0 else { throw SimulationError.invalidArgument("bad RTT value \(cell)") }
                return UInt64(ms * 1_000_000)
            })
        }
        guard rtt.count == names.count else { throw SimulationError.invalidArgument("RTT matrix is not square") }
        return Topology(kind: .azure10, regionNames: names, rttNanos: rtt)
    }

    public static func named(_ kind: Kind) throws -> Topology {
        switch kind {
        case .lan: return .lan
        case .azure10: return try azure10()
        }
    }
}
