// Proposed deletions shown inline: lines the proposal removes or replaces
// are struck through in the editor, recomputed when the proposal or the
// text changes.
import * as vscode from "vscode";
import { removedLines, splitLines } from "./linediff";
import type { ProposalProvider } from "./proposal";
import { touchedFiles } from "./proposal";

export class DeletionDecorations implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    textDecoration: "line-through",
    backgroundColor: new vscode.ThemeColor("diffEditor.removedLineBackground"),
    isWholeLine: true,
    overviewRulerColor: new vscode.ThemeColor("editorOverviewRuler.deletedForeground"),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private timer: NodeJS.Timeout | undefined;
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly proposals: ProposalProvider) {
    this.subs.push(
      vscode.window.onDidChangeVisibleTextEditors(() => this.schedule()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.scheme === "file") this.schedule();
      }),
      vscode.languages.onDidChangeDiagnostics((e) => {
        if (e.uris.some((u) => u.scheme === "file")) this.schedule();
      }),
    );
  }

  schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), 150);
  }

  private async update(): Promise<void> {
    const touched = new Set(touchedFiles().map((u) => u.toString()));
    for (const editor of vscode.window.visibleTextEditors) {
      const uri = editor.document.uri;
      if (uri.scheme !== "file" || !touched.has(uri.toString())) {
        editor.setDecorations(this.type, []);
        continue;
      }
      const version = editor.document.version;
      const p = await this.proposals.proposed(uri).catch(() => undefined);
      if (!p || editor.document.version !== version) continue;
      const current = splitLines(editor.document.getText());
      const lines = !p.inProposal
        ? []
        : p.exists
          ? removedLines(current, splitLines(p.text ?? ""))
          : current.map((_, i) => i);
      editor.setDecorations(
        this.type,
        lines.map((l) => ({
          range: editor.document.lineAt(l).range,
          hoverMessage: "Tandem proposes to remove this line",
        })),
      );
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.type.dispose();
    for (const s of this.subs) s.dispose();
  }
}
