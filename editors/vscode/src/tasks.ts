// Background tasks: `tandem.task.start` {prompt} → {task}, `tandem/tasks`
// → {tasks: [...]}, `tandem/taskChanged` {id, state}. A server without them
// answers "unknown command"/"method not found": say so, nothing more.
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { reviewChanges } from "./proposal";
import type { Server } from "./server";
import type { Transcript } from "./transcript";

interface Task {
  id: string;
  prompt: string;
  state: string;
  files?: string[];
  cost_usd?: number | null;
}

const NOT_HERE = "Tandem: this server does not run background tasks yet (update tandem)";

function unsupported(e: unknown): boolean {
  const code = (e as { code?: number })?.code;
  const msg = e instanceof Error ? e.message : String(e);
  return code === -32601 || /unknown command|method not found|unhandled method/i.test(msg);
}

export function onTaskChanged(client: LanguageClient, transcript: Transcript): void {
  client.onNotification("tandem/taskChanged", (p: { id: string; state: string }) => {
    transcript.task(p.id, p.state);
    if (/done|finished|failed|cancel/i.test(p.state)) {
      void vscode.window
        .showInformationMessage(`Tandem: background task ${p.id} is ${p.state}`, "Review changes")
        .then((pick) => pick && reviewChanges());
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
        void vscode.window.showInformationMessage(`Tandem: background task ${r?.task ?? ""} started`);
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
        if (picked) {
          // Its result joins the proposal under review, with the usual lenses.
          await server.command("tandem.task.show", { id: picked.id });
          await vscode.commands.executeCommand("tandem.ui.review");
        }
      } catch (e) {
        if (unsupported(e)) void vscode.window.showWarningMessage(NOT_HERE);
        else void vscode.window.showErrorMessage(`Tandem: ${e instanceof Error ? e.message : e}`);
      }
    }),
  ];
}
