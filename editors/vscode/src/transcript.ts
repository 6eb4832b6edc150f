// `tandem/event` notifications → the output channel (the streamed
// transcript) and the status bar item (idle / running: current step /
// the session's cost).
import * as vscode from "vscode";

interface Event {
  type: string;
  [key: string]: unknown;
}

export interface EventParams {
  run: number;
  event: Event;
}

export class Transcript implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel("Tandem");
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 100);
  private readonly running = new Map<number, string>();
  private readonly cost = new Map<number, number>();
  private midLine = false;
  /** Runs whose current text was streamed as deltas. */
  private readonly streamed = new Set<number>();
  /** Called when a run changes the proposal or ends. */
  onProposalChanged: () => void = () => undefined;

  constructor() {
    this.item.command = "tandem.ui.transcript";
    this.render();
    this.item.show();
  }

  private line(text: string): void {
    if (this.midLine) this.channel.appendLine("");
    this.midLine = false;
    this.channel.appendLine(text);
  }

  started(run: number, prompt: string): void {
    if (!this.running.has(run)) this.running.set(run, "starting");
    this.line(`── run ${run}: ${prompt.split("\n")[0].slice(0, 120)}`);
    this.render();
  }

  event({ run, event: e }: EventParams): void {
    const step = (s: string) => {
      this.running.set(run, s);
      this.render();
    };
    switch (e.type) {
      case "started":
        this.line(`── run ${run} started: ${e.model} (${e.provider})${e.sandbox ? `, sandbox ${e.sandbox}` : ""}`);
        step("starting");
        break;
      case "turn_started":
        this.streamed.delete(run);
        step(`thinking (turn ${e.turn})`);
        break;
      case "text_delta":
        this.channel.append(String(e.text));
        this.midLine = !String(e.text).endsWith("\n");
        this.streamed.add(run);
        break;
      case "tool_call_started": {
        const input = (e.input ?? {}) as Record<string, unknown>;
        const arg = ["path", "command", "pattern", "file_path"]
          .map((k) => input[k])
          .find((v) => typeof v === "string") as string | undefined;
        const what = arg ? `${e.name} ${arg.split("\n")[0]}` : String(e.name);
        this.line(`→ ${what}`);
        step(what);
        break;
      }
      case "tool_call_finished":
        if (e.is_error) this.line(`  ✗ ${String(e.output).split("\n")[0]}`);
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
        step(`retrying: ${e.reason}`);
        break;
      case "usage":
        if (typeof e.cost_usd === "number") this.cost.set(run, e.cost_usd);
        this.render();
        break;
      case "message":
        // The model's text, whole: already shown if it was streamed.
        if (!this.streamed.delete(run)) this.line(String(e.text));
        break;
      case "error":
        this.line(`error: ${e.message}`);
        break;
      case "finished":
        this.line(`── run ${run} finished: ${e.outcome}`);
        this.running.delete(run);
        this.render();
        this.onProposalChanged();
        break;
    }
  }

  /** A background task changed state. */
  task(id: string, state: string): void {
    this.line(`── background task ${id}: ${state}`);
  }

  private render(): void {
    const total = [...this.cost.values()].reduce((a, b) => a + b, 0);
    const cost = total > 0 ? ` · $${total < 0.01 ? total.toFixed(4) : total.toFixed(2)}` : "";
    if (this.running.size === 0) {
      this.item.text = `$(check) Tandem: idle${cost}`;
      this.item.tooltip = "Tandem is idle. Click for the transcript.";
    } else {
      const [run, step] = [...this.running.entries()].pop()!;
      const more = this.running.size > 1 ? ` (+${this.running.size - 1})` : "";
      this.item.text = `$(sync~spin) Tandem: ${step}${more}${cost}`;
      this.item.tooltip = `Run ${run} is working. Click for the transcript.`;
    }
  }

  dispose(): void {
    this.channel.dispose();
    this.item.dispose();
  }
}
