// Questions: `tandem/question` {id, kind, header, text, options: [{label,
// description}]} → {id, choice, text}, or null when dismissed. `ask_user`
// and MCP forms are a quick pick of the options plus "Answer in your own
// words…"; a plan (kind "plan") is a modal dialog with the whole plan, its
// options as buttons, and "Edit the plan…" / "Send it back…", which open
// an input box (the edited plan goes back with the approval).
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";

interface Option {
  label: string;
  description: string;
}

export interface QuestionParams {
  id: string;
  kind: "choice" | "plan";
  header: string;
  text: string;
  options: Option[];
}

export interface QuestionAnswer {
  id: string;
  choice?: string;
  text?: string;
}

const OWN_WORDS = "Answer in your own words…";
const EDIT_PLAN = "Edit the plan…";
const SEND_BACK = "Send it back with feedback…";

/** The answer for a picked option, or the user's own words. */
export function answerFor(p: QuestionParams, picked: string | undefined, words?: string): QuestionAnswer | null {
  if (picked === undefined) return null;
  const option = p.options.find((o) => o.label === picked);
  if (option) return { id: p.id, choice: option.label, text: words };
  if (words === undefined || words.trim() === "") return null;
  return { id: p.id, text: words };
}

async function askChoice(p: QuestionParams): Promise<QuestionAnswer | null> {
  const items: vscode.QuickPickItem[] = [
    ...p.options.map((o) => ({ label: o.label, detail: o.description || undefined })),
    { label: OWN_WORDS },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: `Tandem asks (${p.header})`,
    placeHolder: p.text,
    ignoreFocusOut: true,
  });
  if (!picked) return null;
  if (picked.label === OWN_WORDS || p.options.length === 0) {
    const words = await vscode.window.showInputBox({ title: `Tandem asks (${p.header})`, prompt: p.text, ignoreFocusOut: true });
    return answerFor(p, OWN_WORDS, words);
  }
  return answerFor(p, picked.label);
}

async function askPlan(p: QuestionParams): Promise<QuestionAnswer | null> {
  const approvals = p.options.filter((o) => o.label !== "keep-planning");
  const buttons = [...approvals.map((o) => o.description || o.label), EDIT_PLAN, SEND_BACK];
  const picked = await vscode.window.showInformationMessage(
    "Tandem's plan",
    { modal: true, detail: p.text },
    ...buttons,
  );
  if (picked === undefined) return null;
  if (picked === EDIT_PLAN) {
    const edited = await vscode.window.showInputBox({ title: "Edit Tandem's plan", value: p.text, ignoreFocusOut: true });
    return edited === undefined ? null : answerFor(p, approvals[0]?.label, edited);
  }
  if (picked === SEND_BACK) {
    const feedback = await vscode.window.showInputBox({ title: "What should change in the plan?", ignoreFocusOut: true });
    return answerFor(p, "keep-planning", feedback ?? "");
  }
  const option = approvals.find((o) => (o.description || o.label) === picked);
  return answerFor(p, option?.label);
}

export function registerQuestions(client: LanguageClient): void {
  client.onRequest("tandem/question", (p: QuestionParams) => (p.kind === "plan" ? askPlan(p) : askChoice(p)));
}
