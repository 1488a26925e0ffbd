import Foundation
import Hummingbird
import JourneyQueue

/// Erasure on request and the audit log of operators' actions (both `operate`).
enum PrivacyRoutes {
    /// The answer to an erasure.
    struct Erased: Codable {
        /// The key's digest, as the audit log and the erasure record name it.
        var contact: String
        var contacts: Int
        var erased: Int
        var pending: Int
        var withdrawn: Int
        var bodies: Int
    }

    /// One audit entry as the API shows it.
    struct AuditItem: Codable {
        var id: Int64
        var at: String
        var actor: String
        var action: String
        var target: String?
        var detail: String?
    }

    struct AuditPage: Codable {
        var entries: [AuditItem]
        /// The `after` for the next page; absent at the end.
        var next: Int64?
    }

    static func register(on router: Router<APIContext>, _ dependencies: JourneyServerApp.Dependencies) {
        let store = dependencies.store
        router.delete("/v1/contacts/:key") { _, context -> Response in
            try context.require(.operate)
            guard let key = context.pathParameter("key"), !key.isEmpty, key.utf8.count <= 500 else {
                throw Problem(status: .badRequest, title: "Bad contact key", detail: "A contact key is 1 to 500 bytes.")
            }
            let summary =
                AskedText.namesNothing(key) ? ErasureSummary() : try await store.forget(contactKey: key, actor: context.keyName ?? "api")
            guard summary.contacts > 0 else {
                throw Problem(status: .notFound, title: "No such contact", detail: "No contact with this key is in the queue.")
            }
            return try JSONResponse.make(
                Erased(
                    contact: ContactErasure.keyDigest(key), contacts: summary.contacts, erased: summary.erased,
                    pending: summary.pending, withdrawn: summary.withdrawn, bodies: summary.bodies))
        }

        router.get("/v1/audit") { request, context -> Response in
            try context.require(.operate)
            let after = try PageParameters.id(request, "after", meaning: "after is the id of the last entry read.")
            let limit = try PageParameters.limit(request)
            let entries = try await store.auditEntries(after: after, limit: limit)
            let items = entries.map {
                AuditItem(id: $0.id, at: ISOTime.string($0.at), actor: $0.actor, action: $0.action, target: $0.target, detail: $0.detail)
            }
            return try JSONResponse.make(AuditPage(entries: items, next: entries.count == limit ? entries.last?.id : nil))
        }
    }

    /// Records an operator's action through the API; a failure to record is logged, never fails the action done.
    static func audit(
        _ dependencies: JourneyServerApp.Dependencies, _ context: APIContext, action: String, target: String?, detail: String?
    ) async {
        do {
            try await dependencies.store.recordAudit(actor: context.keyName ?? "api", action: action, target: target, detail: detail)
        } catch {
            dependencies.logger.error("the audit log could not record an action", metadata: ["action": "\(action)", "error": "\(error)"])
        }
    }
}
