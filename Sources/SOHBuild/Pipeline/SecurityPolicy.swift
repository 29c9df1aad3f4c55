import Foundation
import SOHModel

/// The Content Security Policy and other response headers every force site is published with.
///
/// Scripts and styles come from the site's own origin only; forms may post and connect only to
/// the site and the submission API. The national site's finders are answered by a redirect to
/// a force's site, which `form-action` must allow too (`formTargets`).
struct SecurityPolicy {
    let api: String
    var formTargets: [String] = []

    /// `https://api.example.uk` from a URL (path dropped), safe for a header.
    static func origin(_ address: String) -> String {
        guard let url = URL(string: address), let scheme = url.scheme, let host = url.host else { return "" }
        let port = url.port.map { ":\($0)" } ?? ""
        return Escape.header("\(scheme)://\(host)\(port)")
    }

    var apiOrigin: String { Self.origin(api) }

    var directives: [String] {
        let api = apiOrigin.isEmpty ? "" : " \(apiOrigin)"
        let targets = Set(formTargets.map(Self.origin).filter { !$0.isEmpty }).sorted().map { " \($0)" }.joined()
        return [
            "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
            "connect-src 'self'\(api)", "form-action 'self'\(api)\(targets)", "base-uri 'self'", "object-src 'none'",
        ]
    }

    /// For `<meta http-equiv>`: `frame-ancestors` is not allowed there.
    var metaPolicy: String { directives.joined(separator: "; ") }

    /// A `_headers` file in the format Netlify and Cloudflare Pages read.
    var headersFile: String {
        """
        /*
          Content-Security-Policy: \((directives + ["frame-ancestors 'none'"]).joined(separator: "; "))
          X-Content-Type-Options: nosniff
          Referrer-Policy: strict-origin-when-cross-origin
          Permissions-Policy: camera=(), microphone=(), geolocation=(), interest-cohort=()
          X-Frame-Options: DENY
          Strict-Transport-Security: max-age=31536000
          Cross-Origin-Opener-Policy: same-origin
        /assets/*
          Cache-Control: public, max-age=31536000, immutable
        /*.svg
          Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox

        """
    }
}
