/// An sRGB colour written `#rrggbb`, with the WCAG 2.2 relative luminance and contrast maths.
public struct Colour: Sendable, Hashable, CustomStringConvertible {
    public var red: UInt8, green: UInt8, blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// Accepts `#rrggbb` only (case-insensitive), so every colour in the repository reads the same way.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 7, digits[0] == UInt8(ascii: "#"),
              let value = UInt32(String(hex.dropFirst()), radix: 16),
              hex.dropFirst().allSatisfy(\.isHexDigit)
        else { return nil }
        red = UInt8((value >> 16) & 0xFF)
        green = UInt8((value >> 8) & 0xFF)
        blue = UInt8(value & 0xFF)
    }

    public static let white = Colour(red: 255, green: 255, blue: 255)
    public static let black = Colour(red: 0, green: 0, blue: 0)
    /// The dark text colour the theme uses on light backgrounds.
    public static let ink = Colour(red: 0x0b, green: 0x0c, blue: 0x0c)

    public var description: String {
        "#" + [red, green, blue].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    public var relativeLuminance: Double {
        func channel(_ c: UInt8) -> Double {
            let s = Double(c) / 255
            return s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
    }

    public func contrast(with other: Colour) -> Double {
        let a = relativeLuminance, b = other.relativeLuminance
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }

    /// The text colour (white or near-black) with the higher contrast on this background.
    public var textOn: Colour {
        contrast(with: .white) >= contrast(with: .ink) ? .white : .ink
    }

    /// The nearest colour of the same hue, darker or lighter, that reaches `ratio` against `background`.
    public func nearestPassing(against background: Colour, ratio: Double) -> Colour? {
        if contrast(with: background) >= ratio { return self }
        var best: Colour?
        for step in 1...100 {
            let t = Double(step) / 100
            for target in [Colour.black, Colour.white] {
                let mixed = mix(with: target, amount: t)
                if mixed.contrast(with: background) >= ratio { best = mixed; break }
            }
            if best != nil { break }
        }
        return best
    }

    func mix(with other: Colour, amount t: Double) -> Colour {
        func m(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) * (1 - t) + Double(b) * t).rounded()) }
        return Colour(red: m(red, other.red), green: m(green, other.green), blue: m(blue, other.blue))
    }
}

import Foundation
