// The proposal as documents: a read-only `tandem-proposal:` scheme whose
// text is the server's `tandem/proposedContent`, "Diff" (vscode.diff of the
// file against it) and "Review changes" (every touched file's diff).
import * as vscode from "vscode";
import type { Server } from "./server";

export const SCHEME = "tandem-proposal";

interface Proposed {
  uri: string;
  exists: boolean;
  text: string | null;
  inProposal: boolean;
}

/** `tandem-proposal:` URI of `file`'s proposed text (or of nothing). */
export function proposalUri(file: vscode.Uri, side: "proposal" | "empty" = "proposal"): vscode.Uri {
  return vscode.Uri.from({
    scheme: SCHEME,
    path: file.path,
    query: JSON.stringify({ file: file.toString(), side }),
  });
}

function fileOf(uri: vscode.Uri): { file: vscode.Uri; side: string } {
  const q = JSON.parse(uri.query) as { file: string; side: string };
  return { file: vscode.Uri.parse(q.file), side: q.side };
}

export class ProposalProvider implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly shown = new Map<string, vscode.Uri>();

  private readonly closed: vscode.Disposable;

  constructor(private readonly server: Server) {
    this.closed = vscode.workspace.onDidCloseTextDocument((d) => this.shown.delete(d.uri.toString()));
  }

  async proposed(file: vscode.Uri): Promise<Proposed | undefined> {
    return this.server.request<Proposed>("tandem/proposedContent", { uri: file.toString() });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { file, side } = fileOf(uri);
    this.shown.set(uri.toString(), uri);
    if (side === "empty") return "";
    const p = await this.proposed(file);
    return p?.text ?? "";
  }

  /** The proposal changed: refresh every proposal document shown. */
  refresh(): void {
    for (const uri of this.shown.values()) this.changed.fire(uri);
  }

  dispose(): void {
    this.changed.dispose();
    this.closed.dispose();
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

async function sides(file: vscode.Uri): Promise<[vscode.Uri, vscode.Uri]> {
  const left = (await exists(file)) ? file : proposalUri(file, "empty");
  return [left, proposalUri(file)];
}

export async function openDiff(file: vscode.Uri): Promise<void> {
  const [left, right] = await sides(file);
  const name = file.path.split("/").pop() ?? file.path;
  await vscode.commands.executeCommand("vscode.diff", left, right, `${name} ↔ Tandem's proposal`, {
    preview: false,
  });
}

/** Files in the proposal: those with Tandem's review diagnostics. */
export function touchedFiles(): vscode.Uri[] {
  return vscode.languages
    .getDiagnostics()
    .filter(([uri, ds]) => uri.scheme === "file" && ds.some((d) => d.source === "tandem"))
    .map(([uri]) => uri)
    .sort((a, b) => a.path.localeCompare(b.path));
}

export async function reviewChanges(): Promise<void> {
  const files = touchedFiles();
  if (files.length === 0) {
    void vscode.window.showInformationMessage("Tandem: no proposed changes to review");
    return;
  }
  const resources: [vscode.Uri, vscode.Uri, vscode.Uri][] = [];
  for (const f of files) resources.push([f, ...(await sides(f))]);
  try {
    await vscode.commands.executeCommand("vscode.changes", "Tandem's proposal", resources);
  } catch {
    // Older editors have no multi-file diff: one diff per file.
    for (const f of files) await openDiff(f);
  }
}
