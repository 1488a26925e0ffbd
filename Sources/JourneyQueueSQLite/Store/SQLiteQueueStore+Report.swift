import GRDB
import JourneyQueue

extension SQLiteQueueStore {
    public func counts() throws -> [DestinationCounts] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT d.name, d.kind, c.state, COUNT(c.id) FROM destination d
                LEFT JOIN contact c ON c.destination_id = d.id
                GROUP BY d.id, c.state ORDER BY d.name
                """)
            var result: [DestinationCounts] = []
            for row in rows {
                let name: String = row[0]
                if result.last?.name != name {
                    result.append(DestinationCounts(name: name, kind: row[1], counts: Dictionary(uniqueKeysWithValues: ContactState.allCases.map { ($0, 0) })))
                }
                if let raw: Int = row[2], let state = ContactState(rawValue: raw) {
                    result[result.count - 1].counts[state] = row[3]
                }
            }
            return result
        }
    }
}
