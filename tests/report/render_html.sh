#!/usr/bin/env bash
# Renders collbench's HTML report in headless Chromium (Debian's chromium, installed by
# scripts/setup.sh) and fails unless the screenshot shows something and the console logged no
# message. Both checks are first shown to work: a page that logs an error must be caught, and a
# blank page must be called blank.
# Usage: render_html.sh COLLBENCH_BINARY SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "render_html: no chromium on PATH (scripts/setup.sh installs it)"
  exit 1
fi

# shot PAGE PNG: renders PAGE and leaves Chromium's log (console messages included) in PNG.log.
shot() {
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$work/profile" --window-size=1280,2400 --enable-logging=stderr --v=0 \
    --screenshot="$2" "file://$1" 2>"$2.log" >/dev/null
  [ -s "$2" ] || { echo "render_html: chromium wrote no screenshot of $1"; cat "$2.log"; exit 1; }
}
console_messages() { grep -E ":CONSOLE[:(]" "$1.log" || true; }

# The checks catch what they look for.
printf '<!DOCTYPE html><html><body><p>probe</p><script>console.error("collbench-probe")</script></body></html>' > "$work/probe.html"
shot "$work/probe.html" "$work/probe.png"
console_messages "$work/probe.png" | grep -q collbench-probe || { echo "render_html: console capture does not work"; exit 1; }
printf '<!DOCTYPE html><html><body></body></html>' > "$work/blank.html"
shot "$work/blank.html" "$work/blank.png"
if python3 "$src/tests/report/png_check.py" "$work/blank.png"; then echo "render_html: a blank page passed"; exit 1; fi

# The report: every fixture log, a run of collbench's own, with a topology.
"$bin" import "$src"/../shared/fixtures/nccl-tests-logs/* --out "$work/store" -q
"$bin" report "$work/store" --format html --out "$work/report.html" --topology h100-sxm
if grep -Eq '<script|<link|src="http|url\(' "$work/report.html"; then
  echo "render_html: the report is not self-contained (script, link or external URL found)"; exit 1
fi
shot "$work/report.html" "$work/report.png"
messages=$(console_messages "$work/report.png")
if [ -n "$messages" ]; then echo "render_html: console messages:"; echo "$messages"; exit 1; fi
python3 "$src/tests/report/png_check.py" "$work/report.png"

# The what-if page of the model backend: self-contained, renders, no console message.
"$bin" whatif --topology "$src/sweeps/topologies/dgx-h100.json" --format html --out "$work/whatif.html"
if grep -Eq '<script|<link|src="http|url\(' "$work/whatif.html"; then
  echo "render_html: the what-if page is not self-contained"; exit 1
fi
shot "$work/whatif.html" "$work/whatif.png"
messages=$(console_messages "$work/whatif.png")
if [ -n "$messages" ]; then echo "render_html: what-if console messages:"; echo "$messages"; exit 1; fi
python3 "$src/tests/report/png_check.py" "$work/whatif.png"
echo "render_html: ok"
