#!/usr/bin/env bash
# The real-editor test of the VS Code extension: installs what it needs
# (once, under a lock), packages the extension, installs the .vsix into a
# private code-server, starts code-server on 127.0.0.1 and runs the
# playwright-core scenario in Debian's chromium. Prints the scenario's JSON
# result as its last line.
#
#   run-e2e.sh --workspace DIR --tandem BIN --model-url URL [--out DIR] [--scenario NAME]
#
# NAME is a file of e2e/ without `.js` (default fix-with-tandem).
#
# Needs node 20, npm, /usr/bin/chromium, and (for code-server's native
# modules) build-essential, python3, libkrb5-dev, libx11-dev, libxkbfile-dev,
# libsecret-1-dev. --out defaults to <repo>/target/vscode-e2e; screenshots go
# to <out>/../screenshots.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ext="$(dirname "$here")"
repo="$(cd "$ext/../.." && pwd)"
workspace="" tandem="" model_url="" out="$repo/target/vscode-e2e" scenario=fix-with-tandem
while [ $# -gt 0 ]; do
  case "$1" in
    --workspace) workspace="$2"; shift 2 ;;
    --tandem) tandem="$2"; shift 2 ;;
    --model-url) model_url="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --scenario) scenario="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$workspace" ] && [ -n "$tandem" ] && [ -n "$model_url" ] || {
  echo "usage: $0 --workspace DIR --tandem BIN --model-url URL [--out DIR] [--scenario NAME]" >&2
  exit 2
}
# Debian's chromium, and the headers code-server's native modules build
# against: installed here when missing and we may (root with apt-get), so
# the README's test command works on a fresh machine.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
for p in pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (flock 9; apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null) 9>/tmp/tandem-apt.lock
fi
[ -x /usr/bin/chromium ] || { echo "needs /usr/bin/chromium (apt-get install -y chromium)" >&2; exit 3; }
mkdir -p "$out"
out="$(cd "$out" && pwd)"
log() { echo "[run-e2e $(date +%H:%M:%S)] $*" >&2; }
t0=$(date +%s)

# npm ci into DIR unless its lock file is what was installed last time.
install() {
  local dir="$1" stamp="$1/node_modules/.tandem-installed" want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "npm ci in $dir"
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
    if [ -d "$dir/node_modules/code-server" ]; then
      # code-server's postinstall installs VS Code's own dependencies, whose
      # @vscode/ripgrep downloads rg from the network unless its download
      # cache (under TMPDIR) already has it: fill that cache with the rg of
      # the @vscode/ripgrep-linux-x64 registry package.
      local tmp rg="$dir/node_modules/@vscode/ripgrep-linux-x64/bin/rg"
      tmp="$(mktemp -d)"
      for v in 1.15.9 1.15.10 1.15.11 1.15.13 1.15.14; do
        mkdir -p "$tmp/vscode-ripgrep-cache-$v"
        tar czf "$tmp/vscode-ripgrep-cache-$v/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" \
          -C "$(dirname "$rg")" rg
      done
      log "install scripts: code-server's builds VS Code's native modules"
      # It refuses to run as root without unsafe-perm; node-pty runs `npx node-gyp`.
      (cd "$dir" && TMPDIR="$tmp" npm_config_unsafe_perm=true npm_config_yes=true \
        npm rebuild --foreground-scripts --loglevel=error >&2)
      rm -rf "$tmp"
    fi
    echo "$want" > "$stamp"
  fi
}

find "$out" -maxdepth 1 -name 'run.*' -mmin +120 -exec rm -rf {} + 2>/dev/null || true
run="$(mktemp -d "$out/run.XXXXXX")"

# One install and one build at a time, across concurrent runs (the lock
# sits beside the node_modules folders it guards).
exec 9>"$here/.install.lock"
flock 9
install "$ext"
install "$here"
t_install=$(date +%s)
log "type-checking and packaging the extension"
(cd "$ext" && npx tsc --noEmit -p . >&2 && node esbuild.mjs --production &&
  npx vsce package --no-dependencies --skip-license --allow-missing-repository \
    -o "$run/tandem.vsix" >&2)
flock -u 9
t_pack=$(date +%s)

data="$run/user-data" exts="$run/extensions"
mkdir -p "$data/User"
cs="$here/node_modules/.bin/code-server"
log "installing the extension into $exts"
"$cs" --user-data-dir "$data" --extensions-dir "$exts" --install-extension "$run/tandem.vsix" >&2

cat > "$data/User/settings.json" <<JSON
{
  "tandem.path": "$tandem",
  "tandem.provider": "anthropic",
  "tandem.model": "test-model",
  "tandem.baseUrl": "$model_url",
  "tandem.approvalMode": "auto",
  "tandem.settings": {
    "model": { "api_key": "test-key" },
    "permissions": { "ask": ["Bash(printf:*)"] },
    "models": { "test-model": { "input": 3.0, "output": 15.0, "context_window": 200000 } }
  },
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "update.mode": "none",
  "editor.lightbulb.enabled": "on",
  "editor.codeLens": true,
  "editor.minimap.enabled": false,
  "files.autoSave": "off",
  "window.commandCenter": false,
  "chat.commandCenter.enabled": false
}
JSON

port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
log "starting code-server on 127.0.0.1:$port"
setsid "$cs" --bind-addr "127.0.0.1:$port" --auth none --disable-telemetry \
  --disable-update-check --disable-workspace-trust --disable-getting-started-override \
  --user-data-dir "$data" --extensions-dir "$exts" "$workspace" \
  > "$run/code-server.log" 2>&1 &
cs_pid=$!
cleanup() { kill -TERM -- "-$cs_pid" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 150); do
  node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' \
    "http://127.0.0.1:$port/healthz" && break
  kill -0 "$cs_pid" 2>/dev/null || { cat "$run/code-server.log" >&2; exit 1; }
  sleep 0.2
done
t_ready=$(date +%s)

shots="$(dirname "$out")/screenshots"
mkdir -p "$shots"
# Pictures of an earlier run of this scenario must not stand in for this
# one's (the other scenarios' are vscode-review-*, vscode-questions-*).
case "$scenario" in
  fix-with-tandem) find "$shots" -maxdepth 1 -name 'vscode-*.png' ! -name 'vscode-review-*' ! -name 'vscode-questions-*' -delete ;;
  *) find "$shots" -maxdepth 1 -name "vscode-$scenario-*.png" -delete ;;
esac
log "running the scenario $scenario"
set +e
CS_URL="http://127.0.0.1:$port/?folder=$workspace" WORKSPACE="$workspace" SHOTS="$shots" \
  RUN_DIR="$run" SCENARIO="$scenario" node "$here/e2e/$scenario.js"
status=$?
set -e
t_end=$(date +%s)
log "install $((t_install - t0))s, package $((t_pack - t_install))s, code-server start $((t_ready - t_pack))s, scenario $((t_end - t_ready))s; logs in $run"
exit $status
