// Approvals: `tandem/approve` {id, tool, summary, cwd, sandbox, reason,
// choices: [{answer, title}]} → {id, answer}. A modal dialog, so it cannot
// be dismissed or answered by keys meant for the editor, and whole: the
// command, the folder it runs in, its sandbox and why it asks. Deny is the
// default button (Enter), and closing the dialog (Cancel, Escape) denies.
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

/** The buttons in order: the first is the focused default that Enter
 * presses, so it is Deny; a key pressed as the dialog opens denies. */
export function buttons(choices: Choice[]): Choice[] {
  return [...choices.filter((c) => c.answer === "deny"), ...choices.filter((c) => c.answer !== "deny")];
}

export function registerApprovals(client: LanguageClient): void {
  client.onRequest("tandem/approve", async (p: ApproveParams) => {
    const offered = buttons(p.choices);
    const picked = await vscode.window.showWarningMessage(
      `Tandem wants to run a ${p.tool} command (approval ${p.id})`,
      { modal: true, detail: detail(p) },
      ...offered.map((c) => c.title),
    );
    // Cancel and Escape close the dialog without a choice: a denial.
    const choice = offered.find((c) => c.title === picked);
    return { id: p.id, answer: choice ? choice.answer : "deny" };
  });
}
