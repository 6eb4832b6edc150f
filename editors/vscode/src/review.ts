// The review list as the server has it (`tandem/review`): every proposal
// under review (the foreground run's, then each task opened) with its files
// and hunks, and the finished tasks waiting to be opened. Refreshed when a
// run changes the proposal or ends, a task changes, or the user answers a
// hunk; everything else (the tree view, the inline view, the badge) reads
// it from here.
import * as vscode from "vscode";
import type { Server } from "./server";

export interface ReviewHunk {
  id: string;
  state: "pending" | "conflicted";
  start: number;
  len: number;
  added: number;
  removed: number;
  summary: string;
}

export interface ReviewFile {
  uri: string;
  path: string;
  kind: "modified" | "added" | "deleted" | "moved";
  movedFrom: string | null;
  runsCode: boolean;
  hunks: ReviewHunk[];
}

export interface TaskInfo {
  id: string;
  prompt: string;
  state: string;
  files?: string[];
  summary?: string;
  cost_usd?: number | null;
  error?: string;
}

export interface ReviewGroup {
  id: string;
  kind: "run" | "task";
  title: string;
  task: TaskInfo | null;
  hunks: number;
  files: ReviewFile[];
}

export interface ReviewState {
  groups: ReviewGroup[];
  waiting: TaskInfo[];
}

export const EMPTY: ReviewState = { groups: [], waiting: [] };

/** A task's id as the user sees it: its random last 8 characters, as `tandem task` shows it. */
export function shortId(id: string): string {
  return id.slice(-8);
}

export class Review implements vscode.Disposable {
  private state: ReviewState = EMPTY;
  private readonly changed = new vscode.EventEmitter<ReviewState>();
  readonly onDidChange = this.changed.event;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly server: Server) {}

  get current(): ReviewState {
    return this.state;
  }

  /** Every pending hunk of every proposal. */
  pendingHunks(): number {
    return this.state.groups.reduce(
      (n, g) => n + g.files.reduce((m, f) => m + f.hunks.filter((h) => h.state === "pending").length, 0),
      0,
    );
  }

  /** The proposals that change `uri`, with that file's review in each. */
  filesOf(uri: vscode.Uri): { group: ReviewGroup; file: ReviewFile }[] {
    const key = uri.toString();
    const out: { group: ReviewGroup; file: ReviewFile }[] = [];
    for (const group of this.state.groups)
      for (const file of group.files) if (vscode.Uri.parse(file.uri).toString() === key) out.push({ group, file });
    return out;
  }

  /** Ask again soon (calls close together are one request). */
  schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), 100);
  }

  async refresh(): Promise<void> {
    this.timer = undefined;
    let next: ReviewState;
    try {
      const r = await this.server.request<ReviewState>("tandem/review", {});
      next = r ? { groups: r.groups ?? [], waiting: r.waiting ?? [] } : EMPTY;
    } catch {
      // A server without the request (older) or one going away: no list.
      next = EMPTY;
    }
    // Only a change is news: listeners redraw views under the user's pointer.
    if (JSON.stringify(next) === JSON.stringify(this.state)) return;
    this.state = next;
    void vscode.commands.executeCommand("setContext", "tandemHasHunks", this.pendingHunks() > 0);
    this.changed.fire(this.state);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }
}
