// Palette commands, and the middleware around the server's own commands
// (the ones code lenses and code actions run): "Diff" opens a diff view,
// "Ask Tandem…" asks for the prompt, a started run shows in the transcript.
import * as vscode from "vscode";
import type { Middleware } from "vscode-languageclient/node";
import { saveCreated } from "./answer";
import { openDiff, reviewChanges } from "./proposal";
import type { Review } from "./review";
import type { Server } from "./server";
import type { Transcript } from "./transcript";

type Args = Record<string, unknown>;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** What a run started by `command` is about, for the transcript. */
function label(command: string, arg: Args): string {
  const diagnostic = arg.diagnostic as { message?: string } | undefined;
  if (typeof arg.prompt === "string") return arg.prompt;
  if (diagnostic?.message) return `Fix: ${diagnostic.message}`;
  if (typeof arg.function === "string") return `Write tests for ${arg.function}`;
  return command;
}

export function middleware(transcript: Transcript, review: () => Review | undefined): Middleware {
  return {
    async executeCommand(command, args, next) {
      const arg: Args = { ...((args[0] as Args) ?? {}) };
      if (command === "tandem.diff" && typeof arg.uri === "string") {
        return openDiff(vscode.Uri.parse(arg.uri), typeof arg.group === "string" ? arg.group : undefined);
      }
      if (command === "tandem.ask" && !arg.prompt) {
        const prompt = await vscode.window.showInputBox({
          title: "Ask Tandem",
          prompt: "What should Tandem do with the selection?",
        });
        if (!prompt) return undefined;
        arg.prompt = prompt;
      }
      const result = (await next(command, [arg, ...args.slice(1)])) as Args | undefined;
      if (typeof result?.run === "number") transcript.started(result.run, label(command, arg));
      // A lens or code action answered the review: new files to save, and
      // the list to redraw.
      await saveCreated(result as Parameters<typeof saveCreated>[0]);
      review()?.schedule();
      return result;
    },
  };
}

export function registerCommands(server: Server, transcript: Transcript, review: Review): vscode.Disposable[] {
  const run = async (command: string, arg: Args) => {
    try {
      const r = await server.command(command, arg);
      if (typeof r.run === "number") transcript.started(r.run, String(arg.prompt ?? command));
      await saveCreated(r as Parameters<typeof saveCreated>[0]);
      review.schedule();
      return r;
    } catch (e) {
      void vscode.window.showErrorMessage(`Tandem: ${errorText(e)}`);
      return undefined;
    }
  };
  const reg = vscode.commands.registerCommand;
  return [
    reg("tandem.ui.ask", async () => {
      const editor = vscode.window.activeTextEditor;
      const selected = editor && !editor.selection.isEmpty;
      const prompt = await vscode.window.showInputBox({
        title: "Ask Tandem",
        prompt: selected ? "About the selection:" : "What should Tandem do?",
      });
      if (!prompt) return;
      const arg: Args = { prompt };
      if (editor && editor.document.uri.scheme === "file") {
        arg.uri = editor.document.uri.toString();
        if (selected) {
          const s = editor.selection;
          arg.range = {
            start: { line: s.start.line, character: s.start.character },
            end: { line: s.end.line, character: s.end.character },
          };
        }
      }
      await run(selected ? "tandem.ask" : "tandem.run", arg);
    }),
    // Until the chat view takes pasted images: an image file from the
    // explorer (or picked), a question, and the run gets both.
    reg("tandem.ui.askAboutImage", async (clicked?: vscode.Uri) => {
      const picked = clicked
        ? [clicked]
        : await vscode.window.showOpenDialog({
            title: "Ask Tandem about an image",
            canSelectMany: true,
            filters: { Images: ["png", "jpg", "jpeg", "gif", "webp"] },
          });
      if (!picked || picked.length === 0) return;
      const prompt = await vscode.window.showInputBox({
        title: "Ask Tandem about this image",
        prompt: picked.map((u) => u.path.split("/").pop()).join(", "),
      });
      if (!prompt) return;
      await run("tandem.run", { prompt, images: picked.map((u) => u.fsPath) });
    }),
    reg("tandem.ui.steer", async () => {
      const message = await vscode.window.showInputBox({
        title: "Steer Tandem",
        prompt: "A message for the running agent",
      });
      if (message) await run("tandem.steer", { message });
    }),
    // Runs go on with the current conversation until the user starts a new one.
    reg("tandem.ui.newConversation", async () => {
      const r = await run("tandem.newConversation", {});
      if (r) void vscode.window.showInformationMessage("Tandem: the next run starts a new conversation");
    }),
    reg("tandem.ui.cancel", async () => {
      const r = await run("tandem.cancel", {});
      if (r && r.cancelled === 0) void vscode.window.showInformationMessage("Tandem: nothing is running");
    }),
    // The runs' proposal only: a background task's is answered on its own.
    reg("tandem.ui.acceptAll", () => run("tandem.acceptAll", { group: "run" })),
    reg("tandem.ui.rejectAll", () => run("tandem.rejectAll", { group: "run" })),
    reg("tandem.ui.review", () => reviewChanges(review)),
    reg("tandem.ui.transcript", () => transcript.channel.show(true)),
    reg("tandem.ui.restart", () => server.restart()),
  ];
}
