#!/usr/bin/env bash
# Refreshes the third-party static assets from their published npm packages (pinned below) into
# mardom/core/static/vendor/, each with its licence. The result is committed, so running the app never
# needs npm or a network; run this only to upgrade a pin (`make vendor`).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/mardom/core/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

HTMX=2.0.11          # htmx.org, 0BSD
VAZIRMATN=33.0.3     # vazirmatn, SIL OFL 1.1
JDP=0.9.12           # @majidh1/jalalidatepicker, MIT
IDB=8.0.4            # idb (the IndexedDB wrapper of the offline queue), ISC

cd "$work"
npm pack --silent "htmx.org@$HTMX" "vazirmatn@$VAZIRMATN" "@majidh1/jalalidatepicker@$JDP" "idb@$IDB" >/dev/null
for tgz in *.tgz; do mkdir "${tgz%.tgz}"; tar xzf "$tgz" -C "${tgz%.tgz}"; done

rm -rf "$dest" && mkdir -p "$dest/htmx" "$dest/vazirmatn" "$dest/jalalidatepicker" "$dest/idb"
cp "htmx.org-$HTMX/package/dist/htmx.min.js" "htmx.org-$HTMX/package/LICENSE" "$dest/htmx/"
# The web font is cut down to what the interface writes (Persian letters and digits, ASCII, the punctuation
# and marks in use) with every layout feature and the weight axis kept: 111 KB -> 57 KB, so a first visit
# stays under 150 KB. PDFs keep the whole static fonts (below). Text outside the subset falls back to the
# system font.
FONT_SUBSET="U+0020-007E,U+00A0,U+00AB,U+00BB,U+00D7,U+00F7,U+060C,U+061B,U+061F,U+0621-063A,U+0640-0652,\
U+0654,U+066A-066C,U+0670,U+067E,U+0686,U+0698,U+06A9,U+06AF,U+06C0,U+06CC,U+06F0-06F9,U+200C-200F,U+2013,\
U+2014,U+2018,U+2019,U+201C,U+201D,U+2022,U+2026,U+2066-2069,U+2190-2193,U+2212"
"$here/.venv/bin/pyftsubset" "vazirmatn-$VAZIRMATN/package/fonts/webfonts/Vazirmatn[wght].woff2" \
  --unicodes="$FONT_SUBSET" --layout-features='*' --flavor=woff2 \
  --output-file="$dest/vazirmatn/Vazirmatn-Variable.woff2"
cp "vazirmatn-$VAZIRMATN/package/fonts/ttf/Vazirmatn-Regular.ttf" "vazirmatn-$VAZIRMATN/package/fonts/ttf/Vazirmatn-Bold.ttf" "$dest/vazirmatn/"
cp "vazirmatn-$VAZIRMATN/package/OFL.txt" "$dest/vazirmatn/LICENSE"
cp "majidh1-jalalidatepicker-$JDP/package/dist/jalalidatepicker.min.js" \
   "majidh1-jalalidatepicker-$JDP/package/dist/jalalidatepicker.min.css" \
   "majidh1-jalalidatepicker-$JDP/package/LICENSE" "$dest/jalalidatepicker/"
# The UMD build: a classic script (window.idb), so the offline pages need no module loader.
cp "idb-$IDB/package/build/umd.js" "$dest/idb/idb.umd.js"
cp "idb-$IDB/package/LICENSE" "$dest/idb/"
cat > "$dest/VERSIONS.txt" <<EOT
htmx.org $HTMX (0BSD)
vazirmatn $VAZIRMATN (SIL Open Font License 1.1; the web font subset by pyftsubset)
@majidh1/jalalidatepicker $JDP (MIT)
idb $IDB (ISC)
EOT
echo "vendored into $dest"
