// Tandem for VS Code: starts `tandem lsp` and adds what a language client
// alone cannot: the palette commands, diff views of the proposal, inline
// marks on proposed deletions, a status bar item and the transcript.
import * as vscode from "vscode";
import { middleware, registerCommands } from "./commands";
import { DeletionDecorations } from "./decorations";
import { DiagnosticsForwarder } from "./diagnostics";
import { ProposalProvider, SCHEME } from "./proposal";
import { Server } from "./server";
import { onTaskChanged, registerTaskCommands } from "./tasks";
import { Transcript } from "./transcript";

let server: Server | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const transcript = new Transcript();
  server = new Server(transcript, middleware(transcript), (client) => onTaskChanged(client, transcript));
  const proposals = new ProposalProvider(server);
  const decorations = new DeletionDecorations(proposals);
  transcript.onProposalChanged = () => {
    proposals.refresh();
    decorations.schedule();
  };
  context.subscriptions.push(
    transcript,
    server,
    proposals,
    decorations,
    new DiagnosticsForwarder(server),
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, proposals),
    vscode.languages.onDidChangeDiagnostics(() => proposals.refresh()),
    ...registerCommands(server, transcript),
    ...registerTaskCommands(server, transcript),
  );
  await server.start();
}

export async function deactivate(): Promise<void> {
  await server?.client?.stop();
}
