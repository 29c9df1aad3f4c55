import Crypto
import Foundation
import SOHModel

/// One file of a force's site, relative to `public/<force>/`.
struct OutputFile: Sendable {
    var path: String
    var data: Data
    /// A page's dependency digest, recorded in the build cache.
    var digest: String? = nil
    /// Set when the previous build's file is still right: nothing was rendered, nothing is written.
    var reused: BuildCache.Entry? = nil
    /// The SHA-256 of `data` when it was computed once for every force (theme assets, forms).
    var sha256: String? = nil
    /// For a page left with markers the build could not fill, the file it came from: such a
    /// page is never written (`Builder`).
    var unfilledFrom: String? = nil
}
