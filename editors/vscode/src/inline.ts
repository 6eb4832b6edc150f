// The proposal drawn in the editor the user is in, before any click: the
// lines a hunk removes or replaces are struck through in red where they
// are, and the lines it brings are shown right below them in a zone between
// the document's lines, with Accept / Reject / Diff on it. VS Code's API has
// no virtual lines; a comment thread is the one public widget that opens a
// zone between lines, so each hunk is a (read-only, reply-less) thread of
// Tandem's own comment controller. The user's buffer is never written
// before they accept.
import * as vscode from "vscode";
import type { HunkRef } from "./answer";
import type { Review } from "./review";
import type { Server } from "./server";

interface Hunk {
  id: string;
  group: string;
  kind: "modified" | "added" | "deleted" | "moved";
  state: "pending" | "conflicted";
  start: number;
  len: number;
  oldLines: string[];
  newLines: string[];
  summary: string;
}

interface Hunks {
  uri: string;
  version: number | null;
  hunks: Hunk[];
}

/** Longest added text shown in the zone; the rest is one Diff away. */
const MAX_SHOWN = 40;

export const CONTROLLER = "tandem-review";

function body(h: Hunk): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = false;
  if (h.kind === "deleted") {
    md.appendMarkdown(`Deletes this file (${h.oldLines.length} lines).`);
    return md;
  }
  if (h.newLines.length === 0) {
    md.appendMarkdown(`Removes the ${h.len} struck-through line${h.len === 1 ? "" : "s"} above.`);
    return md;
  }
  const shown = h.newLines.slice(0, MAX_SHOWN);
  // A fence longer than any run of backticks in the text keeps it closed.
  const longest = Math.max(2, ...shown.map((l) => (l.match(/`+/g) ?? []).reduce((m, s) => Math.max(m, s.length), 0)));
  const fence = "`".repeat(longest + 1);
  md.appendMarkdown(`${fence}diff\n${shown.map((l) => `+ ${l}`).join("\n")}\n${fence}\n`);
  if (h.newLines.length > MAX_SHOWN) md.appendMarkdown(`… ${h.newLines.length - MAX_SHOWN} more lines: use Diff.`);
  return md;
}

/** Where the zone opens: below the last replaced line, or below the line an insertion follows. */
function anchor(doc: vscode.TextDocument, h: Hunk): vscode.Range {
  const last = doc.lineCount - 1;
  const line = h.kind === "deleted" ? 0 : h.len > 0 ? h.start + h.len - 1 : Math.max(0, h.start - 1);
  return doc.lineAt(Math.min(Math.max(line, 0), last)).range;
}

export class InlineReview implements vscode.Disposable {
  private readonly controller = vscode.comments.createCommentController(CONTROLLER, "Tandem proposal");
  private readonly threads = new Map<string, vscode.CommentThread[]>();
  /** What each file's threads show: unchanged hunks keep their threads (a redraw under the pointer loses a click). */
  private readonly drawn = new Map<string, string>();
  private readonly refs = new WeakMap<vscode.CommentThread, HunkRef>();
  private readonly removed = vscode.window.createTextEditorDecorationType({
    textDecoration: "line-through",
    backgroundColor: new vscode.ThemeColor("diffEditor.removedLineBackground"),
    isWholeLine: true,
    overviewRulerColor: new vscode.ThemeColor("editorOverviewRuler.deletedForeground"),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly inserted = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    borderColor: new vscode.ThemeColor("editorGutter.addedBackground"),
    borderStyle: "solid",
    borderWidth: "0 0 2px 0",
    overviewRulerColor: new vscode.ThemeColor("editorOverviewRuler.addedForeground"),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private timer: NodeJS.Timeout | undefined;
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly server: Server,
    private readonly review: Review,
  ) {
    this.controller.options = { prompt: "", placeHolder: "" };
    this.subs.push(
      vscode.window.onDidChangeVisibleTextEditors(() => this.schedule()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.scheme === "file" && this.threads.has(e.document.uri.toString())) this.schedule();
      }),
      review.onDidChange(() => this.schedule()),
    );
  }

  /** The hunk a thread shows (the thread menus' argument). */
  refOf(thread: vscode.CommentThread): HunkRef | undefined {
    return this.refs.get(thread);
  }

  schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), 120);
  }

  private clear(key: string): void {
    for (const t of this.threads.get(key) ?? []) t.dispose();
    this.threads.delete(key);
    this.drawn.delete(key);
  }

  private async update(): Promise<void> {
    const visible = new Map<string, vscode.TextEditor[]>();
    for (const e of vscode.window.visibleTextEditors) {
      if (e.document.uri.scheme !== "file") continue;
      const key = e.document.uri.toString();
      visible.set(key, [...(visible.get(key) ?? []), e]);
    }
    for (const key of [...this.threads.keys()]) if (!visible.has(key)) this.clear(key);
    for (const [key, editors] of visible) {
      const doc = editors[0].document;
      if (this.review.filesOf(doc.uri).length === 0) {
        this.clear(key);
        for (const e of editors) this.decorate(e, []);
        continue;
      }
      const version = doc.version;
      const r = await this.server.request<Hunks>("tandem/hunks", { uri: key }).catch(() => undefined);
      if (!r) continue;
      // Line numbers are of the version the server had: a newer buffer
      // waits for the redraw its change triggers.
      if (doc.version !== version || (r.version !== null && r.version !== doc.version)) continue;
      this.draw(doc, r.hunks);
      for (const e of editors) this.decorate(e, r.hunks);
    }
  }

  private draw(doc: vscode.TextDocument, hunks: Hunk[]): void {
    const key = doc.uri.toString();
    const shown = JSON.stringify(hunks);
    if (this.drawn.get(key) === shown && this.threads.has(key)) return;
    this.clear(key);
    this.drawn.set(key, shown);
    const threads = hunks.map((h) => {
      const comment: vscode.Comment = {
        body: body(h),
        mode: vscode.CommentMode.Preview,
        author: { name: "Tandem" },
        contextValue: `tandem-${h.state}`,
      };
      const thread = this.controller.createCommentThread(doc.uri, anchor(doc, h), [comment]);
      thread.label = h.summary;
      thread.canReply = false;
      thread.contextValue = `tandem-${h.state}`;
      thread.collapsibleState = vscode.CommentThreadCollapsibleState.Expanded;
      this.refs.set(thread, { uri: key, hunk: h.id, group: h.group });
      return thread;
    });
    this.threads.set(key, threads);
  }

  private decorate(editor: vscode.TextEditor, hunks: Hunk[]): void {
    const doc = editor.document;
    const removed: vscode.DecorationOptions[] = [];
    const inserted: vscode.DecorationOptions[] = [];
    for (const h of hunks) {
      if (h.len === 0) {
        if (h.start > 0) inserted.push({ range: doc.lineAt(Math.min(h.start - 1, doc.lineCount - 1)).range });
        continue;
      }
      const what =
        h.kind === "deleted"
          ? "Tandem proposes to delete this file"
          : h.newLines.length === 0
            ? "Tandem proposes to remove this line"
            : "Tandem proposes to replace this line with the text shown below";
      for (let l = h.start; l < h.start + h.len && l < doc.lineCount; l++) {
        removed.push({ range: doc.lineAt(l).range, hoverMessage: what });
      }
    }
    editor.setDecorations(this.removed, removed);
    editor.setDecorations(this.inserted, inserted);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const key of [...this.threads.keys()]) this.clear(key);
    this.controller.dispose();
    this.removed.dispose();
    this.inserted.dispose();
    for (const s of this.subs) s.dispose();
  }
}
