// `tandem/event` notifications → the output channel (the run's view: the
// streamed answer, each tool call, each command with the tail of its output
// and its exit code, the plan as it changes) and the status bar item, which
// says honestly where Tandem is: starting, failed to start (and why),
// running, idle; with the proposed changes waiting and the session's cost.
import * as vscode from "vscode";

interface Event {
  type: string;
  [key: string]: unknown;
}

export interface EventParams {
  run: number;
  event: Event;
}

/** Lines of a command's output shown in the run's view. */
const TAIL = 6;

const MARK: Record<string, string> = { pending: "☐", in_progress: "◐", completed: "☑" };

/** How a run ended, for the notification (other outcomes: `ended: <outcome>`). */
const ENDINGS: Record<string, string> = {
  done: "finished",
  turn_limit: "stopped at the turn limit",
  stuck: "stopped: stuck repeating a failing call",
  budget: "stopped at its cost cap",
};

/** A `shell` result split into its output and its exit code. */
export function commandResult(output: string): { tail: string[]; code: string | undefined } {
  const lines = output.replace(/\s+$/, "").split("\n");
  const last = lines[lines.length - 1] ?? "";
  const m = /^\[(exit code (-?\d+)|[^\]]*(timed out|killed|signal)[^\]]*)\]$/.exec(last);
  const code = m ? (m[2] ?? m[1]) : undefined;
  if (m) lines.pop();
  return { tail: lines.filter((l) => l.length > 0).slice(-TAIL), code };
}

type Status = { kind: "starting" } | { kind: "failed"; reason: string } | { kind: "ready" };

export class Transcript implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel("Tandem");
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 100);
  private readonly running = new Set<number>();
  private readonly cost = new Map<number, number>();
  /** A run's cost cap (`max_cost_usd` of its usage events), shown beside its spend. */
  private readonly cap = new Map<number, number>();
  private readonly answers = new Map<number, string>();
  private readonly commands = new Map<string, string>();
  private status: Status = { kind: "starting" };
  private pending = 0;
  private midLine = false;
  /** Runs whose current text was streamed as deltas. */
  private readonly streamed = new Set<number>();
  /** Called when a run changes the proposal or ends. */
  onProposalChanged: () => void = () => undefined;

  constructor() {
    this.render();
    this.item.show();
  }

  private line(text: string): void {
    if (this.midLine) this.channel.appendLine("");
    this.midLine = false;
    this.channel.appendLine(text);
  }

  /** The language server is starting, running, or could not start. */
  serverStarting(): void {
    this.status = { kind: "starting" };
    this.render();
  }

  serverReady(): void {
    this.status = { kind: "ready" };
    this.render();
  }

  serverFailed(reason: string): void {
    this.status = { kind: "failed", reason };
    this.line(`Tandem's language server did not start: ${reason}`);
    this.render();
  }

  /** How many proposed hunks wait for review (shown in the status item). */
  setPending(n: number): void {
    this.pending = n;
    this.render();
  }

  started(run: number, prompt: string): void {
    this.running.add(run);
    this.line(`── run ${run}: ${prompt.split("\n")[0].slice(0, 120)}`);
    this.render();
  }

  event({ run, event: e }: EventParams): void {
    switch (e.type) {
      case "started":
        this.running.add(run);
        this.line(`── run ${run} started: ${e.model} (${e.provider})${e.sandbox ? `, sandbox ${e.sandbox}` : ""}`);
        this.render();
        break;
      case "turn_started":
        this.streamed.delete(run);
        break;
      case "text_delta":
        this.channel.append(String(e.text));
        this.midLine = !String(e.text).endsWith("\n");
        this.streamed.add(run);
        break;
      case "tool_call_started":
        this.toolStarted(String(e.id), String(e.name), (e.input ?? {}) as Record<string, unknown>);
        break;
      case "tool_call_finished":
        this.toolFinished(String(e.id), String(e.name), String(e.output ?? ""), Boolean(e.is_error));
        break;
      case "tool_progress":
        this.line(`    ⋯ ${progressText(e.progress, e.total, e.message)}`);
        break;
      case "proposal_changed":
        this.line(`  proposal: ${(e.files as string[]).join(", ")}`);
        this.onProposalChanged();
        break;
      case "steered":
        this.line(`↪ steered: ${e.message}`);
        break;
      case "retrying":
        this.line(`  retrying: ${e.reason}`);
        break;
      case "usage":
        if (typeof e.cost_usd === "number") this.cost.set(run, e.cost_usd);
        if (typeof e.max_cost_usd === "number") this.cap.set(run, e.max_cost_usd);
        this.render();
        break;
      case "message":
        this.answers.set(run, String(e.text));
        // The model's text, whole: already shown if it was streamed.
        if (!this.streamed.delete(run)) this.line(String(e.text));
        break;
      case "warning":
        this.line(`warning: ${e.message}`);
        break;
      case "error":
        this.line(`error: ${e.message}`);
        break;
      case "finished":
        this.finished(run, String(e.outcome));
        break;
    }
  }

  private toolStarted(id: string, name: string, input: Record<string, unknown>): void {
    if (name === "todo" && Array.isArray(input.todos)) {
      const items = input.todos as { content?: string; status?: string }[];
      this.line("  plan:");
      for (const t of items) this.line(`    ${MARK[t.status ?? ""] ?? "☐"} ${t.content ?? ""}`);
      return;
    }
    if (name === "shell" && typeof input.command === "string") {
      this.commands.set(id, input.command);
      this.line(`$ ${input.command.split("\n")[0]}`);
      return;
    }
    const arg = ["path", "command", "pattern", "file_path"]
      .map((k) => input[k])
      .find((v) => typeof v === "string") as string | undefined;
    this.line(`→ ${arg ? `${name} ${arg.split("\n")[0]}` : name}`);
  }

  private toolFinished(id: string, name: string, output: string, isError: boolean): void {
    if (name === "shell" && this.commands.delete(id)) {
      const { tail, code } = commandResult(output);
      for (const l of tail) this.line(`  │ ${l}`);
      const ok = code === "0";
      this.line(`  ${ok ? "✓" : "✗"} ${code === undefined ? "no exit code" : /^-?\d+$/.test(code) ? `exit ${code}` : code}`);
      return;
    }
    if (isError) this.line(`  ✗ ${output.split("\n")[0]}`);
  }

  private finished(run: number, outcome: string): void {
    this.line(`── run ${run} finished: ${outcome}`);
    this.running.delete(run);
    this.render();
    this.onProposalChanged();
    const answer = (this.answers.get(run) ?? "").split("\n").find((l) => l.trim()) ?? "";
    this.answers.delete(run);
    if (outcome === "cancelled") return;
    const what = ENDINGS[outcome] ?? `ended: ${outcome}`;
    const summary = answer ? `: ${answer.slice(0, 140)}` : "";
    const warn = ["model_error", "stuck", "budget"].includes(outcome);
    const show = warn ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(`Tandem: run ${run} ${what}${summary}`, "Review", "Transcript").then((pick) => {
      if (pick === "Review") void vscode.commands.executeCommand("tandem.ui.nextHunk");
      if (pick === "Transcript") this.channel.show(true);
    });
  }

  /** A background task changed state. */
  task(id: string, state: string): void {
    this.line(`── background task ${id.slice(-8)}: ${state}`);
  }

  private render(): void {
    const total = [...this.cost.values()].reduce((a, b) => a + b, 0);
    const caps = [...this.running].map((r) => this.cap.get(r)).filter((c): c is number => c !== undefined);
    const of = caps.length === 1 ? ` of $${caps[0].toFixed(2)}` : "";
    const cost = total > 0 ? ` · $${total < 0.01 ? total.toFixed(4) : total.toFixed(2)}${of}` : "";
    const review = this.pending > 0 ? ` · ${this.pending} to review` : "";
    this.item.command = "tandem.ui.transcript";
    this.item.backgroundColor = undefined;
    if (this.status.kind === "starting") {
      this.item.text = "$(loading~spin) Tandem: starting";
      this.item.tooltip = "Tandem's language server is starting.";
    } else if (this.status.kind === "failed") {
      this.item.text = "$(error) Tandem: failed to start";
      this.item.tooltip = `Tandem's language server did not start: ${this.status.reason}. Click to set "tandem.path".`;
      this.item.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
      this.item.command = { command: "workbench.action.openSettings", title: "Settings", arguments: ["tandem.path"] };
    } else if (this.running.size === 0) {
      this.item.text = `$(check) Tandem: idle${review}${cost}`;
      this.item.tooltip = "Tandem is idle. Click for the transcript.";
    } else {
      const more = this.running.size > 1 ? ` (${this.running.size} runs)` : "";
      this.item.text = `$(sync~spin) Tandem: running${more}${review}${cost}`;
      this.item.tooltip = "Tandem is working (its step is in the progress). Click for the transcript.";
    }
  }

  dispose(): void {
    this.channel.dispose();
    this.item.dispose();
  }
}

/** `3/5 (60%) copying`, or `3 copying` when the total is unknown (as the terminal shows it). */
export function progressText(progress: unknown, total: unknown, message: unknown): string {
  const done = Number(progress);
  let text = typeof total === "number" && total > 0
    ? `${done}/${total} (${Math.round(Math.min(100, Math.max(0, (done / total) * 100)))}%)`
    : `${done}`;
  if (typeof message === "string" && message !== "") text += ` ${message}`;
  return text;
}
