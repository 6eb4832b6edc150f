// Answering a hunk, a file or a whole proposal: the server's accept and
// reject commands, named by where the hunk is (`uri`, `hunk`, `group`). An
// accept's edit creates new files as unsaved buffers in the editor; they are
// saved here, so a new file lands on disk with its content.
import * as vscode from "vscode";
import type { Server } from "./server";

export interface HunkRef {
  uri: string;
  hunk?: string;
  group: string;
}

type Answer = { applied?: boolean; created?: string[] } | undefined;

/** Save the files an applied accept created (they are dirty buffers). */
export async function saveCreated(answer: Answer): Promise<void> {
  if (!answer?.applied || !Array.isArray(answer.created)) return;
  for (const uri of answer.created) {
    try {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
      if (doc.isDirty) await doc.save();
    } catch (e) {
      void vscode.window.showWarningMessage(`Tandem: could not save ${uri}: ${e instanceof Error ? e.message : e}`);
    }
  }
}

export async function answer(server: Server, command: string, arg: Partial<HunkRef>): Promise<Answer> {
  try {
    const r = (await server.command(command, arg)) as Answer;
    await saveCreated(r);
    return r;
  } catch (e) {
    void vscode.window.showErrorMessage(`Tandem: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}
