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

cd "$work"
npm pack --silent "htmx.org@$HTMX" "vazirmatn@$VAZIRMATN" "@majidh1/jalalidatepicker@$JDP" >/dev/null
for tgz in *.tgz; do mkdir "${tgz%.tgz}"; tar xzf "$tgz" -C "${tgz%.tgz}"; done

rm -rf "$dest" && mkdir -p "$dest/htmx" "$dest/vazirmatn" "$dest/jalalidatepicker"
cp "htmx.org-$HTMX/package/dist/htmx.min.js" "htmx.org-$HTMX/package/LICENSE" "$dest/htmx/"
cp "vazirmatn-$VAZIRMATN/package/fonts/webfonts/Vazirmatn[wght].woff2" "$dest/vazirmatn/Vazirmatn-Variable.woff2"
cp "vazirmatn-$VAZIRMATN/package/fonts/ttf/Vazirmatn-Regular.ttf" "vazirmatn-$VAZIRMATN/package/fonts/ttf/Vazirmatn-Bold.ttf" "$dest/vazirmatn/"
cp "vazirmatn-$VAZIRMATN/package/OFL.txt" "$dest/vazirmatn/LICENSE"
cp "majidh1-jalalidatepicker-$JDP/package/dist/jalalidatepicker.min.js" \
   "majidh1-jalalidatepicker-$JDP/package/dist/jalalidatepicker.min.css" \
   "majidh1-jalalidatepicker-$JDP/package/LICENSE" "$dest/jalalidatepicker/"
cat > "$dest/VERSIONS.txt" <<EOT
htmx.org $HTMX (0BSD)
vazirmatn $VAZIRMATN (SIL Open Font License 1.1)
@majidh1/jalalidatepicker $JDP (MIT)
EOT
echo "vendored into $dest"
