import Crypto
import Foundation
import SOHModel

/// One file of a force's site, relative to `public/<force>/`.
struct OutputFile: Sendable {
    var path: String
    var data: Data
    /// A page of the site or a not-found page (what the build's summary counts as pages).
    var isPage = false
    /// The SHA-256 of `data` when it was computed once for every force (theme assets, forms).
    var sha256: String? = nil
    /// Why this page cannot be published (markers the build could not fill, templates that
    /// nest without end): a force with such a page is not written at all (`Builder`).
    var problem: Diagnostic? = nil
}
