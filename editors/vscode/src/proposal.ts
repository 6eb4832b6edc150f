// The proposal as documents: a read-only `tandem-proposal:` scheme whose
// text is the server's `tandem/proposedContent` of one proposal (`group`),
// "Diff" (vscode.diff of the file against it) and "Review changes" (every
// file's diff). A proposal document has Accept file / Reject file lenses, so
// a new file can be read and accepted before it exists.
import * as vscode from "vscode";
import type { Review } from "./review";
import type { Server } from "./server";

export const SCHEME = "tandem-proposal";

interface Proposed {
  uri: string;
  exists: boolean;
  text: string | null;
  inProposal: boolean;
}

/** `tandem-proposal:` URI of `file`'s proposed text in `group` (or of nothing). */
export function proposalUri(
  file: vscode.Uri,
  side: "proposal" | "empty" = "proposal",
  group?: string,
): vscode.Uri {
  return vscode.Uri.from({
    scheme: SCHEME,
    path: file.path,
    query: JSON.stringify({ file: file.toString(), side, group }),
  });
}

/** The file and proposal a `tandem-proposal:` URI shows. */
export function fileOf(uri: vscode.Uri): { file: vscode.Uri; side: string; group?: string } {
  const q = JSON.parse(uri.query) as { file: string; side: string; group?: string };
  return { file: vscode.Uri.parse(q.file), side: q.side, group: q.group };
}

export class ProposalProvider implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly shown = new Map<string, vscode.Uri>();

  private readonly closed: vscode.Disposable;

  constructor(private readonly server: Server) {
    this.closed = vscode.workspace.onDidCloseTextDocument((d) => this.shown.delete(d.uri.toString()));
  }

  async proposed(file: vscode.Uri, group?: string): Promise<Proposed | undefined> {
    return this.server.request<Proposed>("tandem/proposedContent", { uri: file.toString(), group });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { file, side, group } = fileOf(uri);
    this.shown.set(uri.toString(), uri);
    if (side === "empty") return "";
    const p = await this.proposed(file, group);
    return p?.text ?? "";
  }

  /** The proposal changed: refresh every proposal document shown. */
  refresh(): void {
    for (const uri of this.shown.values()) this.changed.fire(uri);
  }

  /**
   * Close the tabs of proposal documents (and their diffs) whose file left
   * the review: answered changes do not leave tabs piling up.
   */
  async closeAnswered(review: Review): Promise<void> {
    const stale = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((tab) => {
        const input = tab.input;
        const uri =
          input instanceof vscode.TabInputTextDiff
            ? input.modified
            : input instanceof vscode.TabInputText
              ? input.uri
              : undefined;
        if (!uri || uri.scheme !== SCHEME) return false;
        const { file, group } = fileOf(uri);
        return !review.filesOf(file).some((f) => !group || f.group.id === group);
      });
    if (stale.length > 0) await vscode.window.tabGroups.close(stale, true);
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

async function sides(file: vscode.Uri, group?: string): Promise<[vscode.Uri, vscode.Uri]> {
  const left = (await exists(file)) ? file : proposalUri(file, "empty", group);
  return [left, proposalUri(file, "proposal", group)];
}

/** The file against its proposal, in one tab reused from file to file. */
export async function openDiff(file: vscode.Uri, group?: string): Promise<void> {
  const [left, right] = await sides(file, group);
  const name = file.path.split("/").pop() ?? file.path;
  await vscode.commands.executeCommand("vscode.diff", left, right, `${name} ↔ Tandem's proposal`, {
    preview: true,
  });
}

/** Every file of every proposal, against that proposal. */
export async function reviewChanges(review: Review, only?: string): Promise<void> {
  await review.refresh();
  const files = review.current.groups
    .filter((g) => !only || g.id === only)
    .flatMap((g) => g.files.map((f) => ({ file: vscode.Uri.parse(f.uri), group: g.id })));
  if (files.length === 0) {
    void vscode.window.showInformationMessage("Tandem: no proposed changes to review");
    return;
  }
  const resources: [vscode.Uri, vscode.Uri, vscode.Uri][] = [];
  for (const f of files) resources.push([f.file, ...(await sides(f.file, f.group))]);
  try {
    await vscode.commands.executeCommand("vscode.changes", "Tandem's proposal", resources);
  } catch {
    // Older editors have no multi-file diff: one diff per file.
    for (const f of files) await openDiff(f.file, f.group);
  }
}

/**
 * "Accept file | Reject file" over a proposal document, and over the
 * proposal side of a diff: what the user reads there can be answered there.
 */
export class ProposalLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly review: Review) {
    this.sub = review.onDidChange(() => this.changed.fire());
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const { file, side, group } = fileOf(doc.uri);
    if (side !== "proposal") return [];
    const found = this.review.filesOf(file).find((f) => !group || f.group.id === group);
    if (!found) return [];
    const arg = { uri: file.toString(), group: found.group.id };
    const top = new vscode.Range(0, 0, 0, 0);
    const what = found.file.kind === "added" ? "Accept new file" : "Accept file";
    return [
      new vscode.CodeLens(top, { title: what, command: "tandem.ui.answer", arguments: ["tandem.acceptFile", arg] }),
      new vscode.CodeLens(top, { title: "Reject file", command: "tandem.ui.answer", arguments: ["tandem.rejectFile", arg] }),
      new vscode.CodeLens(top, {
        title: `${found.file.hunks.length} hunk${found.file.hunks.length === 1 ? "" : "s"} proposed`,
        command: "",
      }),
    ];
  }
}
