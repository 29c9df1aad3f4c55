import Crypto
import Foundation
import SOHModel

/// What a build does with one page of one force: its output path, digest and, when the
/// previous build's file is still right, the cache entry (then nothing is rendered).
struct PagePlan: Sendable {
    var index: Int
    var urlPath: String
    var path: String
    var digest: String?
    var reused: BuildCache.Entry?
    /// For a page to render, what its rendering reads from the force's pages (`pageShape`).
    var shape: String? = nil
}
