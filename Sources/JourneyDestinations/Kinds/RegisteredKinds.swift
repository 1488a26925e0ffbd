extension DestinationKind {
    /// Every kind this build delivers to. Adding a kind is its folder (the destination and its `DestinationKindDefinition`)
    /// and one line here; the sandbox, written from the vendor's documentation rather than from the destination, is apart.
    static let registered: [any DestinationKindDefinition] = [
        SFMCKind(entry: .asyncEvents),
        SFMCKind(entry: .batchContactEvents),
        SFMCKind(entry: .events),
        SymplifyBatchTriggerKind(),
        BulkIngestKind(),
    ]
}
