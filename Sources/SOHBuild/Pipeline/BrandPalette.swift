import SOHModel

/// A force's colours made safe to use: text colours chosen for contrast on brand backgrounds,
/// and link and focus colours corrected (with a warning) where they fail WCAG 2.2 AA.
struct BrandPalette: Sendable {
    var primary: Colour
    var onPrimary: Colour
    var secondary: Colour
    var onSecondary: Colour
    var link: Colour
    var focus: Colour
    var onFocus: Colour
    var warnings: [Diagnostic]

    /// The page background the theme uses.
    static let page = Colour.white
    static let textRatio = 4.5

    init(_ force: ForceIdentity) {
        let c = force.colours
        var warnings: [Diagnostic] = []
        func at(_ key: String) -> SourceLocation { c.locations[key] ?? .start(of: force.file) }
        primary = c.primary
        onPrimary = c.primary.textOn
        if primary.contrast(with: onPrimary) < Self.textRatio {
            warnings.append(.warning(at("primary"),
                String(format: "no text colour reaches 4.5:1 on primary %@ (best %.2f:1)", c.primary.description, primary.contrast(with: onPrimary)),
                hint: "Choose a darker or lighter primary colour so header text stays readable."))
        }
        secondary = c.secondary
        onSecondary = c.secondary.textOn
        link = c.link
        let linkRatio = c.link.contrast(with: Self.page)
        if linkRatio < Self.textRatio, let fixed = c.link.nearestPassing(against: Self.page, ratio: Self.textRatio) {
            link = fixed
            warnings.append(.warning(at("link"),
                String(format: "link colour %@ has %.2f:1 contrast on white, below 4.5:1; the build uses %@ instead", c.link.description, linkRatio, fixed.description),
                hint: "Set 'link: \"\(fixed)\"' (or another colour that reaches 4.5:1) to choose it yourself."))
        }
        focus = c.focus
        onFocus = .ink
        if c.focus.contrast(with: .ink) < Self.textRatio {
            let fallback = Colour(red: 0xff, green: 0xdd, blue: 0x00)
            warnings.append(.warning(at("focus"),
                String(format: "focus colour %@ has %.2f:1 contrast with the dark focus text, below 4.5:1; the build uses %@ instead", c.focus.description, c.focus.contrast(with: .ink), fallback.description),
                hint: "Use a light, bright focus colour such as \"#ffdd00\"."))
            focus = fallback
        }
        self.warnings = warnings
    }

    /// The stylesheet the theme's CSS reads its brand colours from.
    var css: String {
        """
        :root {
          --brand: \(primary);
          --on-brand: \(onPrimary);
          --accent: \(secondary);
          --on-accent: \(onSecondary);
          --link: \(link);
          --focus: \(focus);
          --on-focus: \(onFocus);
        }

        """
    }
}

import Foundation
