#!/usr/bin/env bash
# test_browser.sh - the HTML edition of vmfs-tutorial(7) and the pictures of
# its sessions, opened in a real headless browser (Debian's chromium):
#   - every picture the HTML shows (each <figure>'s <img>) loads and has a
#     size: a harness page next to it (check.html, allowed to read file://
#     pages) opens the tutorial in an iframe and writes, once it has loaded,
#     how many images there are and which did not load; --dump-dom prints it;
#   - the tutorial page and each SVG, screenshotted alone, are not blank;
#   - nothing is written to the browser's console (--enable-logging=stderr
#     shows every console message as a CONSOLE line), and no script error.
# The pictures are those the tutorial test drew (build/man/vmfs-tutorial-
# pictures, VMFS_TUTORIAL_PICTURES): when one the HTML names is missing,
# this test runs the tutorial itself first, drawing them into its own
# temporary directory (the tutorial's check that the page's examples print
# what it shows comes with it).  It is not run in parallel with others
# (meson is_parallel), so the tutorial test never rewrites them under it.
# Skips (77) when chromium is missing, or /dev/fuse (the tutorial's mount).
#
# Usage: test_browser.sh DAEMON SOURCEDIR VMFSCTL HTML (meson passes all four)
set -euo pipefail
DAEMON=${1:?usage: $0 DAEMON SOURCEDIR VMFSCTL HTML}
SRC=${2:?} VMFSCTL=${3:?} HTML=${4:?}
CHECK=$SRC/tests/pictures/check_pictures.py
chromium=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $chromium ]]; then
	echo "SKIP: chromium is missing (scripts/setup.sh installs it)"
	exit 77
fi
if [[ ! -r $HTML ]]; then
	echo "SKIP: no HTML tutorial at $HTML (the man pages are not built: no scdoc, or -Dman=disabled)"
	exit 77
fi
pictures=$(dirname "$HTML")/vmfs-tutorial-pictures
t=$(mktemp -d "${TMPDIR:-/tmp}/vmfs-browser.XXXXXX")
trap 'rm -rf "$t"' EXIT
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf 'ok - %s\n' "$*"; }

mapfile -t wanted < <(grep -o 'img src="vmfs-tutorial-pictures/[^"]*"' "$HTML" | sed 's/.*\///; s/"$//')
((${#wanted[@]} > 0)) || fail "the HTML tutorial shows no picture"
missing=0
for f in "${wanted[@]}"; do [[ -s $pictures/$f ]] || missing=1; done
if ((missing)); then
	echo "# drawing the pictures: running the tutorial"
	pictures=$t/pictures
	rc=0
	VMFS_TUTORIAL_PICTURES=$pictures "$SRC/tests/tutorial/run.sh" "$DAEMON" "$SRC" "$VMFSCTL" \
		>"$t/tutorial.log" 2>&1 || rc=$?
	if ((rc == 77)); then
		echo "SKIP: the tutorial cannot run to draw the pictures: $(tail -n 1 "$t/tutorial.log")"
		exit 77
	fi
	((rc == 0)) || { cat "$t/tutorial.log" >&2; fail "the tutorial run that draws the pictures failed"; }
fi

# A copy of the page, its pictures and the harness, in one directory.
mkdir -p "$t/site/vmfs-tutorial-pictures"
cp "$HTML" "$t/site/"
for f in "${wanted[@]}"; do
	cp "$pictures/$f" "$t/site/vmfs-tutorial-pictures/" || fail "the tutorial did not draw $f"
done
cat >"$t/site/check.html" <<'EOF'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>check</title></head><body>
<iframe id="f" src="vmfs-tutorial.7.html" style="width:1000px;height:700px"></iframe>
<pre id="out">pending</pre>
<script>
document.getElementById('f').addEventListener('load', function () {
  var out = document.getElementById('out');
  var imgs = Array.prototype.slice.call(this.contentDocument.images), bad = [];
  imgs.forEach(function (i) {
    if (!i.complete || !(i.naturalWidth > 0)) bad.push(i.getAttribute('src'));
  });
  out.textContent = 'images ' + imgs.length + ' broken ' + bad.length + (bad.length ? ': ' + bad.join(' ') : '');
});
</script></body></html>
EOF

# browser ARGS... URL: headless chromium, its console on stderr ($t/console).
browser() {
	timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$t/profile" --enable-logging=stderr --v=0 "$@" 2>>"$t/console"
}

: >"$t/console"
browser --allow-file-access-from-files --dump-dom "file://$t/site/check.html" >"$t/dom" ||
	fail "chromium --dump-dom failed: $(tail -n 5 "$t/console")"
result=$(sed -n 's/.*<pre id="out">\(.*\)<\/pre>.*/\1/p' "$t/dom")
[[ $result == "images ${#wanted[@]} broken 0" ]] ||
	fail "the HTML tutorial's pictures in chromium: '$result' (expected ${#wanted[@]} images, none broken)"
ok "chromium loads the HTML tutorial and its ${#wanted[@]} pictures, none broken"

shots=()
browser --screenshot="$t/tutorial.png" --window-size=1000,800 "file://$t/site/vmfs-tutorial.7.html" >/dev/null ||
	fail "chromium --screenshot of the tutorial failed"
shots+=("$t/tutorial.png")
for f in "${wanted[@]}"; do
	browser --screenshot="$t/$f.png" --window-size=900,700 "file://$t/site/vmfs-tutorial-pictures/$f" >/dev/null ||
		fail "chromium --screenshot of $f failed"
	shots+=("$t/$f.png")
done
python3 "$CHECK" blank "${shots[@]}" || fail "a blank screenshot"
ok "the tutorial and each picture render (screenshots not blank)"

if grep -E 'CONSOLE|Uncaught' "$t/console"; then
	fail "chromium's console has messages (above)"
fi
ok "no console message, no script error"
