/// The package's version: `dqbft --version` prints it and every JSON report
/// (`simulate`, `compare`, `bench`, `sweep`) carries it as `version`.
///
/// Guarantees: a constant, changed only by a commit that changes it (never derived
/// from the environment, the clock or the build), so two reports with the same
/// version, flags and seed are comparable field by field (apart from `wall_s`).
public enum DQBFTVersion {
    /// Semantic version; a `-dev` suffix marks a build between releases.
    public static let current = "0.6.0-dev"
}
