import HTTPTypes

/// The vendors' own header names, spelled once.
extension HTTPField.Name {
    /// Symplify's API token header.
    static let carmaToken = HTTPField.Name("X-Carma-Authentication-Token")!
    /// Marketing Cloud's journey history download: the answer streams as it is read rather than being built first.
    static let directPipe = HTTPField.Name("x-direct-pipe")!
}
