#!/usr/bin/env bash
# Re-make recording.jsonl: run the real agent against the scripted model
# server playing script.json (Anthropic wire protocol), recording the model's
# responses. The recording then replays offline with --replay.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
cargo build -q --bin tandem --bin scripted-model
log="$(mktemp)"
target/debug/scripted-model --script "$here/script.json" >"$log" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q listening "$log" && break; sleep 0.1; done
url="$(sed -n 's/^listening on //p' "$log")"
ANTHROPIC_API_KEY=scripted target/debug/tandem exec "Fix the failing test" \
  --provider anthropic --model claude-sonnet-4-5 --base-url "$url" \
  --record "$here/recording.jsonl" -C "$here/project"
