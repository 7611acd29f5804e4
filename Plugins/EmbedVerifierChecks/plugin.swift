import Foundation
import PackagePlugin

/// Builds the checks of docs/verify.html into the target as `VerifierChecks.script`, so that the citizen's page runs in
/// the browser the very code of the offline verifier, and the two cannot drift apart.
@main
struct EmbedVerifierChecks: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let page = context.package.directoryURL.appending(path: "docs/verify.html")
        let output = context.pluginWorkDirectoryURL.appending(path: "VerifierChecks.swift")
        return [
            .buildCommand(
                displayName: "Embedding the checks of docs/verify.html", executable: try context.tool(named: "embed-verifier-checks").url,
                arguments: [page.path(), output.path()], inputFiles: [page], outputFiles: [output])
        ]
    }
}
