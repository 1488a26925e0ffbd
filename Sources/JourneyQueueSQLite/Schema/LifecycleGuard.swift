import GRDB
import JourneyQueue

/// The lifecycles (`ContactState.canMove`, `BatchPhase.canMove`) enforced on this process's writer, generated from the core's definition: a
/// statement that moves a contact any other way is aborted in SQLite itself, whichever code wrote it.
enum LifecycleGuard {
    /// A temporary trigger: it lives on the writer connection that installs it, so every process running this code
    /// guards its own writes with the definition it was built with (no schema change when the lifecycle changes).
    static let trigger = """
        CREATE TEMP TRIGGER IF NOT EXISTS contact_lifecycle BEFORE UPDATE OF state ON main.contact
        WHEN OLD.state <> NEW.state AND NOT \(ContactState.allowedMoveSQL(old: "OLD.state", new: "NEW.state"))
        BEGIN
            SELECT RAISE(ABORT, 'journeyq: a contact moved outside its lifecycle (ContactState.canMove)');
        END
        """

    /// The same for a batch's phases (`BatchPhase.canMove`).
    static let batchTrigger = """
        CREATE TEMP TRIGGER IF NOT EXISTS batch_lifecycle BEFORE UPDATE OF state ON main.batch
        WHEN OLD.state <> NEW.state AND NOT \(BatchPhase.allowedMoveSQL(old: "OLD.state", new: "NEW.state"))
        BEGIN
            SELECT RAISE(ABORT, 'journeyq: a batch moved outside its lifecycle (BatchPhase.canMove)');
        END
        """

    /// Installs the guards on `pool`'s writer (after the schema is migrated: the triggers name its tables).
    static func install(on pool: DatabasePool) throws {
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: trigger)
            try db.execute(sql: batchTrigger)
        }
    }
}
