#!/usr/bin/env bash
# Records what the CLI's live status line looks like on a real terminal (tmux), into
# docs/cli-status.txt. Not a test: run it by hand after `npm run build` when the output changes.
#   bash test/cli/capture-status-line.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/docs/cli-status.txt"
work="$(mktemp -d)"
session="replicate-media-capture-$$"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$work"' EXIT

command -v tmux >/dev/null || { echo "tmux is needed: apt-get install -y tmux" >&2; exit 2; }
[ -f "$root/dist/cli/main.js" ] || { echo "run npm run build first" >&2; exit 2; }

tmux new-session -d -s "$session" -x 100 -y 22 -c "$work" \
  "env -i PATH='$PATH' HOME='$work' TERM=xterm-256color NO_COLOR=1 PS1='$ ' bash --norc --noprofile"
sleep 0.5
tmux send-keys -t "$session" "alias replicate-media='node $root/dist/cli/main.js'; clear" Enter
sleep 0.5

capture() { # title
  {
    echo "---- $1"
    tmux capture-pane -p -t "$session" | sed -e 's/[[:space:]]*$//' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
    echo
  } >>"$out.tmp"
}

wait_for() { # pattern
  for _ in $(seq 1 300); do
    tmux capture-pane -p -t "$session" | grep -q -- "$1" && return 0
    sleep 0.1
  done
  echo "timed out waiting for: $1" >&2
  exit 1
}

: >"$out.tmp"
echo "# The replicate-media status line on a terminal (tmux capture-pane, 100 columns; colors off)." >>"$out.tmp"
echo "# Regenerate with: npm run build && bash test/cli/capture-status-line.sh" >>"$out.tmp"
echo >>"$out.tmp"

# 1. The demo at speed 2 (slow enough to see the line): while the video prediction runs, then done.
tmux send-keys -t "$session" "replicate-media demo --speed 2" Enter
wait_for "video · [a-z0-9]* · processing · [0-9]*[1-9]\.[0-9]s"
sleep 1.2
capture "demo, while the video prediction is processing (the line redraws every 100 ms)"
wait_for "^Next:"
sleep 0.3
capture "demo, finished"

# 2. Ctrl-C on a slow image: the prediction is canceled on the server before the CLI exits (130).
tmux send-keys -t "$session" "clear" Enter
sleep 0.3
tmux send-keys -t "$session" "replicate-media image 'a lighthouse at dawn [emulator:predict_ms=60000]' --emulator --speed 1 --wait 1 --interval 1" Enter
wait_for "image · [a-z0-9]* · processing · [3-9]\.[0-9]s"
capture "image, processing"
tmux send-keys -t "$session" C-c
wait_for "^Error: Interrupted"
tmux send-keys -t "$session" 'echo "exit code $?"' Enter
sleep 0.5
capture "image, after Ctrl-C"

mv "$out.tmp" "$out"
echo "wrote $out (then: node test/cli/render-status-png.mjs for docs/cli-status.png)"
