import Foundation
import SQLKit
import Testing
@testable import SOHServer

/// SQLite's writes taken together (`SQLiteFile.write`): however many are asked for at once,
/// each is all or nothing, answered only once committed, and one that fails takes nothing of the
/// others with it.
@Suite struct BatchedWriteTests {
    struct Refused: Error {}

    @Test func writesAskedForTogetherAreEachAllOrNothing() async throws {
        let path = NSTemporaryDirectory() + "soh-batch-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try await SQLiteFile.open(path: path)
        try await file.write { db in try await db.raw("CREATE TABLE t (n INTEGER PRIMARY KEY, half INTEGER)").run() }
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for n in 0..<200 {
                group.addTask {
                    do {
                        // Two rows each; every seventh fails between them.
                        try await file.write { db in
                            try await db.raw("INSERT INTO t (n, half) VALUES (\(bind: n * 2), 0)").run()
                            if n % 7 == 0 { throw Refused() }
                            try await db.raw("INSERT INTO t (n, half) VALUES (\(bind: n * 2 + 1), 1)").run()
                        }
                        return (n, true)
                    } catch {
                        return (n, false)
                    }
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.filter { !$0.value }.keys.sorted() == Array(stride(from: 0, to: 200, by: 7)))
        let rows = try await file.read { db in try await db.raw("SELECT n FROM t ORDER BY n").all(decodingColumn: "n", as: Int.self) }
        let expected = (0..<200).filter { $0 % 7 != 0 }.flatMap { [$0 * 2, $0 * 2 + 1] }
        #expect(rows == expected, "every write that was answered is whole, and nothing of the refused ones is kept")
        file.close()
    }
}
