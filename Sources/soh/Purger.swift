import Foundation
import Logging
import ServiceLifecycle
import SOHServer

/// Purges answers under the retention rules inside `soh api`: at start, then every `every`,
/// until the instance stops. Several instances may all run it: a purge is one transaction, and
/// a second finds nothing left to do.
struct Purger: Service {
    let store: SubmissionStore
    /// Where evidence files are kept, when this instance takes them: the bytes of files purged
    /// are removed from it after each purge.
    var evidence: Evidence? = nil
    let retention: Retention
    let every: Duration
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    let now = Date()
                    do {
                        let purged = try await store.purge(retention.cutoffs(now: now), now: now, dryRun: false)
                        if purged.afterDelivery + purged.atCap + purged.files > 0 {
                            logger.notice("answers purged: \(purged)")
                            try await store.audit(AuditLog.Entry(actor: "soh api (retention)", action: "purge", force: nil, target: "answers of \(purged)"), now: now)
                        }
                        if purged.deliveriesGivenUp > 0 { logger.warning("deliveries given up at the retention cap: \(purged.deliveriesGivenUp)") }
                        if let evidence, try await evidence.sweep(store) > 0 { logger.notice("evidence files removed after their purge") }
                    } catch {
                        logger.error("purging answers failed (tried again in \(every)): \(error)")
                    }
                    try await Task.sleep(for: every)
                }
            }
        } catch is CancellationError {
            // Stopping: nothing is half done, each purge being one transaction.
        }
    }
}
