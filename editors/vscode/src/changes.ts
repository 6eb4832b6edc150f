// "Tandem: Changes", the review list (like the Source Control view): each
// proposal (the runs in this editor, then each background task opened)
// → its files → their hunks, with accept / reject on each row, a task's
// apply / discard / follow-up / branch on its row, the finished tasks not
// yet opened below, and the number of pending hunks as the view's badge.
import * as vscode from "vscode";
import { type Review, type ReviewFile, type ReviewGroup, type ReviewHunk, type TaskInfo, shortId } from "./review";

export type Node =
  | { row: "group"; group: ReviewGroup }
  | { row: "file"; group: ReviewGroup; file: ReviewFile }
  | { row: "hunk"; group: ReviewGroup; file: ReviewFile; hunk: ReviewHunk }
  | { row: "waiting"; task: TaskInfo };

const KIND: Record<ReviewFile["kind"], string> = {
  modified: "",
  added: "new file",
  deleted: "deleted",
  moved: "moved",
};

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

export function groupLabel(group: ReviewGroup): string {
  if (group.kind === "run") return "Runs in this editor";
  const id = group.task?.id ?? group.id.replace(/^task:/, "");
  return `Task ${shortId(id)}: ${group.title}`;
}

export class ChangesTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<Node>;
  private readonly sub: vscode.Disposable;

  constructor(private readonly review: Review) {
    this.view = vscode.window.createTreeView("tandem.changes", { treeDataProvider: this, showCollapseAll: true });
    this.sub = review.onDidChange(() => {
      const n = review.pendingHunks();
      this.view.badge = n > 0 ? { value: n, tooltip: `${plural(n, "proposed change")} to review` } : undefined;
      this.view.message =
        review.current.groups.every((g) => g.files.length === 0) && review.current.waiting.length === 0
          ? "No proposed changes. Ask Tandem for one, or run a background task."
          : undefined;
      this.changed.fire(undefined);
    });
  }

  getChildren(node?: Node): Node[] {
    const state = this.review.current;
    if (!node) {
      const groups: Node[] = state.groups
        .filter((g) => g.files.length > 0 || g.kind === "task")
        .map((group) => ({ row: "group", group }));
      return [...groups, ...state.waiting.map((task): Node => ({ row: "waiting", task }))];
    }
    if (node.row === "group") return node.group.files.map((file) => ({ row: "file", group: node.group, file }));
    if (node.row === "file")
      return node.file.hunks.map((hunk) => ({ row: "hunk", group: node.group, file: node.file, hunk }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.row) {
      case "group": {
        const item = new vscode.TreeItem(groupLabel(node.group), vscode.TreeItemCollapsibleState.Expanded);
        // Ids of their own: a task row that was "waiting" and is now a group
        // must not inherit the waiting row's (collapsed) state.
        item.id = `group:${node.group.id}`;
        item.description = `${plural(node.group.files.length, "file")}, ${plural(node.group.hunks, "hunk")}`;
        item.contextValue = `tandem-group-${node.group.kind}`;
        item.tooltip = node.group.task?.prompt ?? "What the runs you started in this editor propose";
        item.iconPath = new vscode.ThemeIcon(node.group.kind === "run" ? "sparkle" : "tasklist");
        return item;
      }
      case "file": {
        const item = new vscode.TreeItem(vscode.Uri.parse(node.file.uri), vscode.TreeItemCollapsibleState.Expanded);
        item.label = node.file.path;
        item.id = `file:${node.group.id}:${node.file.uri}`;
        const kind = KIND[node.file.kind] + (node.file.movedFrom ? ` from ${node.file.movedFrom}` : "");
        item.description = [kind, plural(node.file.hunks.length, "hunk"), node.file.runsCode ? "runs code" : ""]
          .filter(Boolean)
          .join(" · ");
        item.contextValue = "tandem-file";
        item.command = { command: "tandem.ui.openChange", title: "Open", arguments: [node] };
        return item;
      }
      case "hunk": {
        const text = node.hunk.summary.replace(/^(\[[^\]]*\] )?Tandem proposes( \([^)]*\))?: /, "");
        const item = new vscode.TreeItem(text, vscode.TreeItemCollapsibleState.None);
        item.id = `hunk:${node.group.id}:${node.file.uri}:${node.hunk.id}`;
        item.description = node.hunk.state === "conflicted" ? "overlaps your edit" : `line ${node.hunk.start + 1}`;
        item.tooltip = node.hunk.summary;
        item.contextValue = `tandem-hunk-${node.hunk.state}`;
        item.iconPath = new vscode.ThemeIcon(
          node.hunk.state === "conflicted" ? "warning" : node.hunk.added > 0 ? "diff-added" : "diff-removed",
        );
        item.command = { command: "tandem.ui.openChange", title: "Show", arguments: [node] };
        return item;
      }
      case "waiting": {
        const item = new vscode.TreeItem(
          `Task ${shortId(node.task.id)}: ${node.task.prompt.split("\n")[0]}`,
          vscode.TreeItemCollapsibleState.None,
        );
        item.id = `waiting:${node.task.id}`;
        item.description = `${node.task.state} · ${plural(node.task.files?.length ?? 0, "file")} · click to review`;
        item.contextValue = "tandem-waiting";
        item.iconPath = new vscode.ThemeIcon("inbox");
        item.command = { command: "tandem.ui.openTask", title: "Review", arguments: [node.task.id] };
        return item;
      }
    }
  }

  dispose(): void {
    this.sub.dispose();
    this.view.dispose();
    this.changed.dispose();
  }
}
