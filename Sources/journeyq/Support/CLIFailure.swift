/// An error the CLI reports as one message with a chosen exit status (1 run time, 2 bad usage or input).
struct CLIFailure: Error {
    var message: String
    var exitCode: Int32

    static func badInput(_ message: String) -> CLIFailure { CLIFailure(message: message, exitCode: 2) }
    static func runtime(_ message: String) -> CLIFailure { CLIFailure(message: message, exitCode: 1) }
}
