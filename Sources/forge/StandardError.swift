import ForgeCore

/// Writes one line to standard error, where diagnostics belong so stdout stays scriptable.
func printError(_ line: String) {
    FileDescriptorIO.writeAll(Array((line + "\n").utf8), to: FileDescriptorIO.standardError)
}
