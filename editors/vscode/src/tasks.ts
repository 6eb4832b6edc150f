// Background tasks: `tandem.task.start` {prompt} → {task}, `tandem/tasks`
// → {tasks: [...]}, `tandem/taskChanged` {id, state}. A server without them
// answers "unknown command"/"method not found": say so, nothing more.
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import type { Review } from "./review";
import { shortId } from "./review";
import type { Server } from "./server";
import type { Transcript } from "./transcript";

interface Task {
  id: string;
  prompt: string;
  state: string;
  files?: string[];
  cost_usd?: number | null;
  error?: string;
}

const NOT_HERE = "Tandem: this server does not run background tasks yet (update tandem)";

function unsupported(e: unknown): boolean {
  const code = (e as { code?: number })?.code;
  const msg = e instanceof Error ? e.message : String(e);
  return code === -32601 || /unknown command|method not found|unhandled method/i.test(msg);
}

/** What the done notification says: the prompt and the files. */
export function doneMessage(t: Task): string {
  const prompt = t.prompt.split("\n")[0].slice(0, 80);
  const files = t.files ?? [];
  const shown = files.slice(0, 3).join(", ") + (files.length > 3 ? ` and ${files.length - 3} more` : "");
  const what = files.length === 0 ? "no changes" : `${files.length} file${files.length === 1 ? "" : "s"}: ${shown}`;
  const state = t.state === "turn_limit" ? "stopped at the turn limit" : t.state;
  return `Tandem: task ${shortId(t.id)} "${prompt}" is ${state} (${what})`;
}

export function onTaskChanged(client: LanguageClient, transcript: Transcript, review: Review): void {
  client.onNotification("tandem/taskChanged", (t: Task) => {
    transcript.task(t.id, t.state);
    review.schedule();
    if (t.state === "done" || t.state === "turn_limit") {
      const actions = (t.files ?? []).length > 0 ? ["Review", "Apply", "Discard"] : [];
      void vscode.window.showInformationMessage(doneMessage(t), ...actions).then(async (pick) => {
        if (pick === "Review") await vscode.commands.executeCommand("tandem.ui.openTask", t.id);
        if (pick === "Apply" || pick === "Discard") {
          await vscode.commands.executeCommand("tandem.ui.answer", `tandem.task.${pick.toLowerCase()}`, { id: t.id });
        }
      });
    } else if (t.state === "failed" || t.state === "interrupted") {
      void vscode.window.showWarningMessage(`${doneMessage(t)}${t.error ? `: ${t.error}` : ""}`);
    }
  });
}

export function registerTaskCommands(server: Server, transcript: Transcript): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand("tandem.ui.background", async () => {
      const prompt = await vscode.window.showInputBox({
        title: "Tandem: run as background task",
        prompt: "The task (it runs on its own; review its proposal when it is done)",
      });
      if (!prompt) return;
      try {
        const r = await server.command<{ task?: string }>("tandem.task.start", { prompt });
        transcript.task(String(r?.task ?? "?"), "started");
        void vscode.window.showInformationMessage(
          `Tandem: background task ${shortId(String(r?.task ?? ""))} started: "${prompt.split("\n")[0].slice(0, 80)}"`,
        );
      } catch (e) {
        if (unsupported(e)) void vscode.window.showWarningMessage(NOT_HERE);
        else void vscode.window.showErrorMessage(`Tandem: ${e instanceof Error ? e.message : e}`);
      }
    }),
    vscode.commands.registerCommand("tandem.ui.tasks", async () => {
      try {
        const r = await server.request<{ tasks: Task[] }>("tandem/tasks", {});
        const tasks = r?.tasks ?? [];
        if (tasks.length === 0) {
          void vscode.window.showInformationMessage("Tandem: no background tasks");
          return;
        }
        const picked = await vscode.window.showQuickPick(
          tasks.map((t) => ({
            id: t.id,
            label: `${t.id}: ${t.state}`,
            description: t.prompt.split("\n")[0],
            detail: `${(t.files ?? []).join(", ") || "no files yet"}${
              typeof t.cost_usd === "number" ? ` · $${t.cost_usd.toFixed(4)}` : ""
            }`,
          })),
          { title: "Tandem background tasks (pick one to review its proposal)" },
        );
        // Its result opens as its own proposal, beside the runs' one.
        if (picked) await vscode.commands.executeCommand("tandem.ui.openTask", picked.id);
      } catch (e) {
        if (unsupported(e)) void vscode.window.showWarningMessage(NOT_HERE);
        else void vscode.window.showErrorMessage(`Tandem: ${e instanceof Error ? e.message : e}`);
      }
    }),
  ];
}
