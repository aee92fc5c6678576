/// Errors a simulation reports to its caller (bad arguments, missing data).
public enum SimulationError: Error, CustomStringConvertible, Equatable {
    case invalidArgument(String)
    public var description: String {
        switch self { case .invalidArgument(let s): return s }
    }
}
