import ArgumentParser
import JourneyWorker

/// `journeyq config-reference`: every config key with what it takes, its default and what it does, as the README's tables.
struct ConfigReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config-reference",
        abstract: "Print every config key (what it takes, its default, what it does) as Markdown tables.")

    func run() throws {
        print(ConfigReference.markdown(), terminator: "")
    }
}
