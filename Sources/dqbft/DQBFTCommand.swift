import ArgumentParser
import DQBFTCore

@main
struct DQBFTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dqbft",
        abstract: "Byzantine fault-tolerant replication: DQBFT, Destiny and the protocols they are compared with.",
        discussion: ExitStatus.help,
        version: DQBFTVersion.current,
        subcommands: [Simulate.self, CheckHistory.self, Compare.self, TwinsCommand.self, SweepCommand.self, Keygen.self, ReplicaCommand.self, Cluster.self, Status.self, KV.self, Gateway.self, Bench.self, CryptoBench.self],
        defaultSubcommand: nil
    )
}
