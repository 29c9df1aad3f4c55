import Crypto
import Foundation
import Logging
import ServiceLifecycle
import SOHDelivery
import SOHModel

/// Scans each complete upload with clamd before it may be delivered: its bytes opened piece by
/// piece and streamed to clamd, their SHA-256 taken on the way. Clean, it may go; infected, its
/// bytes are destroyed and its name and signature kept. While clamd cannot be reached, uploads
/// wait in quarantine (`scanning`) and their reports are not delivered; nothing goes unscanned.
/// Runs inside `soh api`; any number of instances may share the store.
public struct EvidenceScanner: Service {
    let store: SubmissionStore
    let evidence: Evidence
    let clamd: Clamd
    let logger: Logger
    /// Rung when an upload of this process is complete.
    public let doorbell: Doorbell
    /// Seconds between looks when nothing rings (other instances' uploads), and between tries
    /// while clamd cannot be reached.
    public var pollSeconds = 5.0
    public var retrySeconds = 5.0

    public init(store: SubmissionStore, evidence: Evidence, clamd: Clamd, logger: Logger, doorbell: Doorbell = Doorbell()) {
        (self.store, self.evidence, self.clamd, self.logger, self.doorbell) = (store, evidence, clamd, logger, doorbell)
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let upload: UploadRecord?
            do {
                // Long enough for clamd's own time limit on a large file.
                upload = try await store.leaseScan(seconds: Double(clamd.seconds) * 2 + 60, now: Date())
            } catch {
                logger.error("cannot read the uploads waiting for a scan: \(SubmissionStore.describe(error))")
                try? await Task.sleep(for: .seconds(retrySeconds))
                continue
            }
            guard let upload else {
                await doorbell.wait(seconds: pollSeconds)
                continue
            }
            if await !scan(upload) { await doorbell.wait(seconds: retrySeconds) }
        }
    }

    /// Scans one upload and records the verdict; false when there is none yet (clamd away).
    func scan(_ upload: UploadRecord) async -> Bool {
        let metadata: Logger.Metadata = ["upload": .string(upload.id), "force": .string(upload.force), "form": .string(upload.form)]
        do {
            let reader = try await evidence.reader(upload, keys: try AnswerKeys.required(store.keys))
            var hash = SHA256()
            let verdict = try await clamd.scan { send in
                try await reader.each { piece in
                    hash.update(data: piece)
                    try await send(piece)
                }
            }
            let digest = Hex.string(hash.finalize())
            switch verdict {
            case .clean:
                try await store.recordClean(upload: upload.id, sha256: digest, now: Date())
                logger.info("upload scanned: clean", metadata: metadata)
            case .infected(let signature):
                try await store.refuseUpload(id: upload.id, state: .infected, detail: signature, sha256: digest, now: Date())
                await evidence.destroy(upload.id, store: store)
                logger.warning("upload scanned: infected, destroyed", metadata: metadata.merging(["signature": .string(signature)]) { $1 })
            }
            return true
        } catch let error as Clamd.Unreachable {
            logger.warning("upload waits for a scan: \(error)", metadata: metadata)
            try? await store.releaseScan(upload: upload.id)
            return false
        } catch let error as SealedFile.Damaged {
            try? await store.refuseUpload(id: upload.id, state: .refused, detail: error.description, now: Date())
            await evidence.destroy(upload.id, store: store)
            logger.error("upload refused: \(error)", metadata: metadata)
            return true
        } catch {
            logger.error("upload not scanned: \(error)", metadata: metadata)
            try? await store.releaseScan(upload: upload.id)
            return false
        }
    }
}
