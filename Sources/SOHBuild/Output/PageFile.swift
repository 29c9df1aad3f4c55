/// Where a page's file goes in its force's folder: the one rule, for the build, `soh serve`'s
/// session and `soh check` alike.
public enum PageFile {
    /// `/advice/` → `advice/index.html`; `/` → `index.html`.
    public static func path(for urlPath: String) -> String { String(urlPath.dropFirst()) + "index.html" }
}
