// Approvals: `tandem/approve` {id, tool, summary, cwd, sandbox, reason,
// choices: [{answer, title}]} → {id, answer}. A modal dialog, so it cannot
// be dismissed or answered by keys meant for the editor, and whole: the
// command, the folder it runs in, its sandbox and why it asks. Closing the
// dialog (Cancel, Escape) answers nothing the server would take as a yes.
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";

interface Choice {
  answer: string;
  title: string;
}

export interface ApproveParams {
  id: string;
  tool: string;
  summary: string;
  cwd: string;
  sandbox: string | null;
  reason: string;
  choices: Choice[];
}

/** The dialog's text below its title. */
export function detail(p: ApproveParams): string {
  return [
    p.summary,
    "",
    `Folder: ${p.cwd}`,
    `Sandbox: ${p.sandbox ?? "none: it runs on your machine"}`,
    `Asked because of ${p.reason}.`,
  ].join("\n");
}

export function registerApprovals(client: LanguageClient): void {
  client.onRequest("tandem/approve", async (p: ApproveParams) => {
    // Deny is the dialog's own Cancel button (and Escape).
    const offered = p.choices.filter((c) => c.answer !== "deny");
    const picked = await vscode.window.showWarningMessage(
      `Tandem wants to run a ${p.tool} command (approval ${p.id})`,
      { modal: true, detail: detail(p) },
      ...offered.map((c) => c.title),
    );
    const choice = offered.find((c) => c.title === picked);
    return { id: p.id, answer: choice ? choice.answer : "deny" };
  });
}
