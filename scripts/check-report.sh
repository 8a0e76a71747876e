#!/usr/bin/env bash
# Renders an mlhc HTML report in headless Chromium, checks that every plot is drawn, and writes a
# screenshot. Not part of .ci/run (it installs a browser).
#
#   scripts/check-report.sh [REPORT.html] [SCREENSHOT.png]
#
# Without arguments it runs `mlhc quickstart` (release build) into target/check-report/ first.
set -euo pipefail
cd "$(dirname "$0")/.."
report=${1:-}
shot=${2:-target/check-report/report.png}
if [ -z "$report" ]; then
  cargo build --release -q -p mlhc-cli
  out=target/check-report
  rm -rf "$out"
  ./target/release/mlhc quickstart --out "$out" | tail -1
  report=$out/report.html
fi
mkdir -p "$(dirname "$shot")"
if ! command -v chromium >/dev/null; then
  echo "installing Debian's chromium" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)")
url="file://$(realpath "$report")"
# The DOM after rendering: every <svg class="plot"> must contain drawn marks (curves, bands, points, bars).
dom=$(chromium "${flags[@]}" --dump-dom "$url" 2>/dev/null)
plots=$(grep -o '<svg[^>]*class="plot"' <<<"$dom" | wc -l)
python3 - "$dom" <<'PY'
import re, sys
dom = sys.argv[1]
svgs = re.findall(r'<svg[^>]*class="plot".*?</svg>', dom, re.S)
bad = []
for s in svgs:
    ident = re.search(r'id="([^"]*)"', s).group(1)
    marks = len(re.findall(r'<(polyline|polygon|circle|rect class="bar"|line class="interval")', s))
    print(f"plot {ident}: {marks} marks")
    if marks == 0:
        bad.append(ident)
if not svgs or bad:
    sys.exit(f"plots without marks: {bad or 'no plots at all'}")
PY
chromium "${flags[@]}" --window-size=1280,2400 --screenshot="$(realpath -m "$shot")" "$url" 2>/dev/null
echo "$plots plots drawn; screenshot: $shot"
