// Other extensions' diagnostics of open files go to the server as
// `tandem/diagnostics` {uri, diagnostics}, so the agent sees the problems
// the user sees. Tandem's own (source "tandem") are left out.
import * as vscode from "vscode";
import type { Server } from "./server";

export class DiagnosticsForwarder implements vscode.Disposable {
  private readonly pending = new Set<string>();
  private readonly sent = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly sub: vscode.Disposable;

  constructor(private readonly server: Server) {
    this.sub = vscode.languages.onDidChangeDiagnostics((e) => {
      for (const uri of e.uris) if (uri.scheme === "file") this.pending.add(uri.toString());
      if (this.pending.size > 0 && !this.timer) this.timer = setTimeout(() => void this.flush(), 300);
    });
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const client = this.server.client;
    const enabled = vscode.workspace.getConfiguration("tandem").get<boolean>("forwardDiagnostics", true);
    const uris = [...this.pending];
    this.pending.clear();
    if (!client?.isRunning() || !enabled) return;
    const open = new Set(vscode.workspace.textDocuments.map((d) => d.uri.toString()));
    for (const key of uris) {
      if (!open.has(key)) continue;
      const uri = vscode.Uri.parse(key);
      const ours = vscode.languages.getDiagnostics(uri).filter((d) => d.source !== "tandem");
      const diagnostics = await client.code2ProtocolConverter.asDiagnostics(ours);
      const body = JSON.stringify(diagnostics);
      if (this.sent.get(key) === body) continue;
      this.sent.set(key, body);
      await client.sendNotification("tandem/diagnostics", { uri: key, diagnostics });
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.sub.dispose();
  }
}
