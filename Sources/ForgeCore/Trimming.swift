extension StringProtocol {
    /// The text without leading and trailing ASCII white space (spaces, tabs, line breaks):
    /// Foundation's `trimmingCharacters(in: .whitespacesAndNewlines)` for the ASCII text of
    /// settings, lists and files, without Foundation (not in `FoundationEssentials`).
    package var trimmingSpaces: String {
        let isSpace = { (character: Character) in character == " " || character == "\t" || character.isNewline }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
