// The extension's settings → the server's settings, in the config file's
// shape (`{"model": {...}, "permissions": {...}}`), sent as initialization
// options and again on every change.
import * as vscode from "vscode";

type Json = { [key: string]: unknown };

export function serverPath(): string {
  const p = vscode.workspace.getConfiguration("tandem").get<string>("path", "").trim();
  return p === "" ? "tandem" : p;
}

export function serverSettings(): Json {
  const c = vscode.workspace.getConfiguration("tandem");
  const extra = c.get<Json>("settings", {}) ?? {};
  const out: Json = JSON.parse(JSON.stringify(extra));
  const section = (name: string): Json => {
    const v = out[name];
    const t = v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {};
    out[name] = t;
    return t;
  };
  const set = (table: string, key: string, setting: string) => {
    const v = c.get<string>(setting, "").trim();
    if (v !== "") section(table)[key] = v;
  };
  set("model", "provider", "provider");
  set("model", "model", "model");
  set("model", "base_url", "baseUrl");
  set("permissions", "mode", "approvalMode");
  for (const k of Object.keys(out)) {
    const v = out[k];
    if (v && typeof v === "object" && Object.keys(v).length === 0) delete out[k];
  }
  return out;
}
