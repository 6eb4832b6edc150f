// The `tandem lsp` process and its client: started from `tandem.path` (else
// PATH) with the settings as initialization options, restarted when the
// path changes, told of other setting changes.
import * as vscode from "vscode";
import {
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type Middleware,
  type ServerOptions,
  type StaticFeature,
} from "vscode-languageclient/node";
import { serverPath, serverSettings } from "./settings";
import type { EventParams, Transcript } from "./transcript";
import { registerApprovals } from "./approvals";
import { registerQuestions } from "./questions";

/** Asks the server for `tandem/event` notifications and `tandem/approve`. */
const eventsFeature: StaticFeature = {
  fillClientCapabilities(caps) {
    caps.experimental = { ...(caps.experimental as object), tandem: { events: true, approvals: true, questions: true } };
  },
  initialize() {},
  getState() {
    return { kind: "static" };
  },
  clear() {},
};

export class Server implements vscode.Disposable {
  client: LanguageClient | undefined;
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly transcript: Transcript,
    private readonly middleware: Middleware,
    private readonly onStarted: (client: LanguageClient) => void,
  ) {
    this.subs.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("tandem.path")) void this.restart();
        else if (e.affectsConfiguration("tandem")) void this.sendSettings();
      }),
    );
  }

  async start(): Promise<void> {
    const command = serverPath();
    const serverOptions: ServerOptions = {
      run: { command, args: ["lsp"] },
      debug: { command, args: ["lsp"] },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: "file" }],
      initializationOptions: () => serverSettings(),
      middleware: this.middleware,
    };
    const client = new LanguageClient("tandem", "Tandem Language Server", serverOptions, clientOptions);
    client.registerFeature(eventsFeature);
    client.onNotification("tandem/event", (p: EventParams) => this.transcript.event(p));
    registerApprovals(client);
    registerQuestions(client);
    this.client = client;
    this.transcript.serverStarting();
    try {
      await client.start();
      this.transcript.serverReady();
      this.onStarted(client);
    } catch (e) {
      this.client = undefined;
      const msg = e instanceof Error ? e.message : String(e);
      this.transcript.serverFailed(msg);
      void vscode.window
        .showErrorMessage(
          `Tandem: cannot start \`${command} lsp\` (${msg}). Set "tandem.path" to the tandem binary.`,
          "Open settings",
        )
        .then((pick) => {
          if (pick) void vscode.commands.executeCommand("workbench.action.openSettings", "tandem.path");
        });
    }
  }

  async restart(): Promise<void> {
    const old = this.client;
    this.client = undefined;
    if (old) await old.stop().catch(() => undefined);
    await this.start();
  }

  private async sendSettings(): Promise<void> {
    await this.client?.sendNotification("workspace/didChangeConfiguration", {
      settings: serverSettings(),
    });
  }

  /** A request to the server; undefined while it is not running. */
  async request<T>(method: string, params: unknown): Promise<T | undefined> {
    if (!this.client?.isRunning()) return undefined;
    return this.client.sendRequest<T>(method, params);
  }

  async command<T = Record<string, unknown>>(command: string, arg: unknown): Promise<T> {
    if (!this.client?.isRunning()) throw new Error("the Tandem language server is not running");
    return (await this.client.sendRequest(ExecuteCommandRequest.type, {
      command,
      arguments: [arg],
    })) as T;
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    void this.client?.stop();
  }
}
