// Tandem for VS Code: starts `tandem lsp` and adds what a language client
// alone cannot: the palette commands, the proposal drawn inline in the
// editor, the review list ("Tandem: Changes"), diff views of the proposal,
// a status bar item and the run's transcript.
import * as vscode from "vscode";
import { ChangesTree } from "./changes";
import { middleware, registerCommands } from "./commands";
import { DiagnosticsForwarder } from "./diagnostics";
import { InlineReview } from "./inline";
import { ProposalLenses, ProposalProvider, SCHEME } from "./proposal";
import { Review } from "./review";
import { registerReviewCommands } from "./reviewCommands";
import { Server } from "./server";
import { onTaskChanged, registerTaskCommands } from "./tasks";
import { Transcript } from "./transcript";

let server: Server | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const transcript = new Transcript();
  let review: Review | undefined;
  server = new Server(transcript, middleware(transcript, () => review), (client) => {
    onTaskChanged(client, transcript, review!);
    void review?.refresh();
  });
  review = new Review(server);
  const proposals = new ProposalProvider(server);
  const inline = new InlineReview(server, review);
  const tree = new ChangesTree(review);
  const lenses = new ProposalLenses(review);
  transcript.onProposalChanged = () => {
    proposals.refresh();
    review?.schedule();
  };
  review.onDidChange(() => {
    transcript.setPending(review!.pendingHunks());
    proposals.refresh();
    void proposals.closeAnswered(review!);
  });
  context.subscriptions.push(
    transcript,
    server,
    review,
    proposals,
    inline,
    tree,
    new DiagnosticsForwarder(server),
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, proposals),
    lenses,
    vscode.languages.registerCodeLensProvider({ scheme: SCHEME }, lenses),
    // Tandem's diagnostics change whenever the review does (an edit of a
    // proposed file moves its hunks): the list follows.
    vscode.languages.onDidChangeDiagnostics((e) => {
      const ours = (u: vscode.Uri) =>
        review!.filesOf(u).length > 0 || vscode.languages.getDiagnostics(u).some((d) => d.source === "tandem");
      if (e.uris.some((u) => u.scheme === "file" && ours(u))) review?.schedule();
    }),
    ...registerCommands(server, transcript, review),
    ...registerReviewCommands(server, review, inline),
    ...registerTaskCommands(server, transcript),
  );
  await server.start();
}

export async function deactivate(): Promise<void> {
  await server?.client?.stop();
}
