// The review's commands, wherever the user answers: a row of "Tandem:
// Changes", a hunk's zone in the editor, the hunk under the cursor (with
// keybindings), a proposal document's lenses; and moving from hunk to hunk.
import * as vscode from "vscode";
import { answer } from "./answer";
import type { Node } from "./changes";
import type { InlineReview } from "./inline";
import { fileOf, openDiff, proposalUri, reviewChanges } from "./proposal";
import type { Review, ReviewFile, ReviewGroup, ReviewHunk } from "./review";
import type { Server } from "./server";

interface Placed {
  group: ReviewGroup;
  file: ReviewFile;
  hunk: ReviewHunk;
}

/** Whether the cursor's line is in (or right at) a hunk. */
function covers(h: ReviewHunk, line: number): boolean {
  return h.len === 0 ? line === h.start || line === h.start - 1 : line >= h.start && line < h.start + h.len;
}

/** Every hunk of the review in reading order: file by file, top to bottom. */
function allHunks(review: Review): Placed[] {
  const out: Placed[] = [];
  for (const group of review.current.groups)
    for (const file of group.files) for (const hunk of file.hunks) out.push({ group, file, hunk });
  return out.sort((a, b) => a.file.path.localeCompare(b.file.path) || a.hunk.start - b.hunk.start);
}

export async function show(p: { group: ReviewGroup; file: ReviewFile; hunk?: ReviewHunk }): Promise<void> {
  const uri = vscode.Uri.parse(p.file.uri);
  if (p.file.kind === "added" || p.file.kind === "moved") {
    // Not at this path yet: its proposed text, with Accept / Reject lenses.
    const doc = await vscode.workspace.openTextDocument(proposalUri(uri, "proposal", p.group.id));
    await vscode.window.showTextDocument(doc, { preview: true });
    return;
  }
  const line = p.hunk?.start ?? p.file.hunks[0]?.start ?? 0;
  const editor = await vscode.window.showTextDocument(uri, { preview: false });
  const pos = new vscode.Position(Math.min(line, Math.max(editor.document.lineCount - 1, 0)), 0);
  editor.selection = new vscode.Selection(pos, pos);
  editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

export function registerReviewCommands(server: Server, review: Review, inline: InlineReview): vscode.Disposable[] {
  const done = async (command: string, arg: object) => {
    await answer(server, command, arg);
    await review.refresh();
  };
  const atCursor = (): Placed | undefined => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return undefined;
    const line = editor.selection.active.line;
    for (const { group, file } of review.filesOf(editor.document.uri)) {
      const hunk = file.hunks.find((h) => covers(h, line));
      if (hunk) return { group, file, hunk };
    }
    return undefined;
  };
  /** The file of the active editor (or of an editor title button's resource). */
  const onFile = async (command: string, resource?: vscode.Uri) => {
    let uri = resource ?? vscode.window.activeTextEditor?.document.uri;
    if (!uri) return;
    let group: string | undefined;
    if (uri.scheme === "tandem-proposal") ({ file: uri, group } = fileOf(uri));
    const found = review.filesOf(uri).find((f) => !group || f.group.id === group);
    if (!found) {
      void vscode.window.showInformationMessage("Tandem: this file has no proposed changes");
      return;
    }
    await done(command, { uri: found.file.uri, group: found.group.id });
  };
  const onHunk = (command: string) => async () => {
    const p = atCursor();
    if (!p) {
      void vscode.window.showInformationMessage("Tandem: no proposed change at the cursor");
      return;
    }
    await done(command, { uri: p.file.uri, hunk: p.hunk.id, group: p.group.id });
  };
  const move = (step: 1 | -1) => async () => {
    const all = allHunks(review);
    if (all.length === 0) {
      void vscode.window.showInformationMessage("Tandem: no proposed changes");
      return;
    }
    const editor = vscode.window.activeTextEditor;
    const here = editor ? editor.document.uri.toString() : "";
    const line = editor?.selection.active.line ?? -1;
    const key = (p: Placed) => vscode.Uri.parse(p.file.uri).toString();
    const idx = all.findIndex((p) =>
      step > 0 ? key(p) > here || (key(p) === here && p.hunk.start > line) : false,
    );
    let next: Placed;
    if (step > 0) next = all[idx >= 0 ? idx : 0];
    else {
      const before = all.filter((p) => key(p) < here || (key(p) === here && p.hunk.start < line));
      next = before.length > 0 ? before[before.length - 1] : all[all.length - 1];
    }
    await show(next);
  };
  const ofNode = (n: Node) => {
    switch (n.row) {
      case "group":
        return { all: true, arg: { group: n.group.id } };
      case "file":
        return { all: false, arg: { uri: n.file.uri, group: n.group.id } };
      case "hunk":
        return { all: false, arg: { uri: n.file.uri, hunk: n.hunk.id, group: n.group.id } };
      default:
        return undefined;
    }
  };
  const nodeAnswer = (verb: "accept" | "reject") => async (n: Node) => {
    const a = ofNode(n);
    if (!a) return;
    const what = a.all ? "All" : n.row === "hunk" ? "Hunk" : "File";
    await done(`tandem.${verb}${what}`, a.arg);
  };
  const thread = (command: string) => async (t: vscode.CommentThread) => {
    const ref = inline.refOf(t);
    if (ref) await done(command, ref);
  };
  const taskOf = (n: Node) => (n.row === "group" ? n.group.task?.id ?? n.group.id.replace(/^task:/, "") : undefined);
  const task = (command: string, extra?: () => Promise<object | undefined>) => async (n: Node) => {
    const id = taskOf(n);
    if (!id) return;
    const more = extra ? await extra() : {};
    if (!more) return;
    await done(command, { id, ...more });
  };
  const reg = vscode.commands.registerCommand;
  return [
    reg("tandem.ui.answer", (command: string, arg: object) => done(command, arg)),
    reg("tandem.ui.acceptNode", nodeAnswer("accept")),
    reg("tandem.ui.rejectNode", nodeAnswer("reject")),
    reg("tandem.ui.openChange", (n: Node) => (n.row === "file" || n.row === "hunk" ? show(n) : undefined)),
    reg("tandem.ui.diffNode", (n: Node) =>
      n.row === "file" || n.row === "hunk" ? openDiff(vscode.Uri.parse(n.file.uri), n.group.id) : undefined,
    ),
    reg("tandem.ui.reviewGroup", (n: Node) => (n.row === "group" ? reviewChanges(review, n.group.id) : undefined)),
    reg("tandem.ui.threadAccept", thread("tandem.acceptHunk")),
    reg("tandem.ui.threadReject", thread("tandem.rejectHunk")),
    reg("tandem.ui.threadDiff", (t: vscode.CommentThread) => {
      const ref = inline.refOf(t);
      return ref ? openDiff(vscode.Uri.parse(ref.uri), ref.group) : undefined;
    }),
    reg("tandem.ui.acceptHunk", onHunk("tandem.acceptHunk")),
    reg("tandem.ui.rejectHunk", onHunk("tandem.rejectHunk")),
    reg("tandem.ui.acceptFile", (uri?: vscode.Uri) => onFile("tandem.acceptFile", uri)),
    reg("tandem.ui.rejectFile", (uri?: vscode.Uri) => onFile("tandem.rejectFile", uri)),
    reg("tandem.ui.nextHunk", move(1)),
    reg("tandem.ui.prevHunk", move(-1)),
    reg("tandem.ui.openTask", async (id: string) => {
      try {
        await server.command("tandem.task.show", { id });
      } catch (e) {
        void vscode.window.showErrorMessage(`Tandem: ${e instanceof Error ? e.message : e}`);
        return;
      }
      await review.refresh();
      const group = review.current.groups.find((g) => g.id === `task:${id}`);
      await vscode.commands.executeCommand("tandem.changes.focus");
      if (group?.files[0]) await show({ group, file: group.files[0] });
    }),
    reg("tandem.ui.taskApply", task("tandem.task.apply")),
    reg("tandem.ui.taskDiscard", task("tandem.task.discard")),
    reg("tandem.ui.taskBranch", task("tandem.task.branch")),
    reg(
      "tandem.ui.taskFollowUp",
      task("tandem.task.followUp", async () => {
        const message = await vscode.window.showInputBox({
          title: "Tandem: follow up on the task",
          prompt: "What should the task do next? It goes on in the background.",
        });
        return message ? { message } : undefined;
      }),
    ),
  ];
}
