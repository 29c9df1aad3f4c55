#!/usr/bin/env bash
# make bench: the build's speed as ratios measured in one run (medians of hyperfine runs):
# a cold build of the 43 force sites and the national site against copying its own output tree and against Hugo building the same
# Markdown once per force; rebuilds with nothing changed and after editing one page, one force
# file and one layout; soh serve's preview after saving one page's text; peak memory at N and
# 10×N pages; asset budgets; search next to Pagefind (scripts/bench-search.py, with $PYTHON from .venv).
# usage: [BENCH_DIR=/dev/shm] scripts/bench.sh SOH_BINARY [--pages N] [--runs R]
set -euo pipefail
soh=$(realpath "$1"); shift
pages=300 runs=5
while [[ $# -gt 0 ]]; do case $1 in --pages) pages=$2; shift 2 ;; --runs) runs=$2; shift 2 ;; *) shift ;; esac; done
here=$(cd "$(dirname "$0")" && pwd); project=$(dirname "$here")
# BENCH_DIR=/dev/shm measures in memory, without the disk (and its neighbours' noise).
work=$(mktemp -d "${BENCH_DIR:-/tmp}/soh-bench.XXXXXX"); trap 'rm -rf "$work"' EXIT
python3 "$here/make-bench-corpus.py" "$work/corpus" --pages "$pages"
mkdir -p "$work/soh"
cp -r "$project/site.yml" "$project/forces" "$project/themes" "$project/content" "$project/data" "$project/national" "$work/soh/"
cp -r "$work/corpus/bench" "$work/soh/content/bench"
# Hugo builds the same Markdown: the corpus and the repository's pages, English for every force
# and Welsh too for the four Welsh forces (Hugo's multilingual mode, as its users would set it up).
# Forms are not Markdown: they are soh's own extra work, as are the assets and form JSON.
mkdir -p "$work/hugo/content"
cp -r "$work/corpus/bench" "$work/hugo/content/bench"
(cd "$project/content" && find . -name '*.md' -exec cp --parents {} "$work/hugo/content/" \;)
# Hugo calls a section's own page _index.md (index.md would make a leaf bundle).
find "$work/hugo/content" -name index.md -execdir mv index.md _index.md \;
find "$work/hugo/content" -name index.cy.md -execdir mv index.cy.md _index.cy.md \;
cp -r "$here/bench/hugo/layouts" "$work/hugo/"
tail -n +2 "$project/data/forces.csv" | tr -d '\r' | while IFS=, read -r id name country; do
  {
    printf 'baseURL = "https://%s.soh.example/"\ntitle = "%s"\ndisableKinds = ["taxonomy", "term", "RSS"]\n' "$id" "$name"
    if [[ $country == Wales ]]; then
      printf 'defaultContentLanguage = "en"\n[languages.en]\nweight = 1\n[languages.cy]\nweight = 2\n'
    else
      printf 'ignoreFiles = ["\\\\.cy\\\\.md$"]\n'
    fi
    printf '[params]\nphone = "101"\n[[menus.main]]\nname = "Advice"\nurl = "/bench/"\n'
  } > "$work/hugo/$id.toml"
done
printf '#!/usr/bin/env bash\ncd "$(dirname "$0")"\nfor c in *.toml; do hugo --quiet --config "$c" -d "public/${c%%.toml}" >/dev/null || exit 1; done\n' > "$work/hugo/all.sh"
chmod +x "$work/hugo/all.sh"
(cd "$work/soh" && "$soh" build --timings)
cp -r "$work/soh/public" "$work/public.keep"
files=$(find "$work/soh/public" -type f | wc -l); bytes=$(du -sb "$work/soh/public" | cut -f1)
page=$(find "$work/soh/content/bench" -name '*.md' ! -name index.md | sort | sed -n 1p)
layout="$work/soh/themes/national/layouts/section.mustache"
# Before each cold build, copy and Hugo run, the last output is moved aside, not deleted: ext4
# here does not reuse a just-deleted file's inode for a minute or more, and creating 17,000 files
# right after an `rm -rf` of as many took 4.5x as long as into a quiet disk (cp -r: 4.95 s against
# 1.1 s), which would time the filesystem's deletion rather than the builds. All three get the same.
mkdir -p "$work/aside"
aside() { echo "if [ -e $1 ]; then mv $1 \$(mktemp -d $work/aside/XXXXXX)/; fi"; }
hyperfine --style none --runs "$runs" --warmup 1 --export-json "$work/t.json" \
  --prepare "$(aside "$work/soh/public")" -n cold "cd $work/soh && $soh build" \
  --prepare "true" -n warm "cd $work/soh && $soh build" \
  --prepare "echo \"Edited \$RANDOM\$RANDOM.\" >> $page" -n page "cd $work/soh && $soh build" \
  --prepare "echo \"# edited \$RANDOM\$RANDOM\" >> $work/soh/forces/kent.yml" -n force "cd $work/soh && $soh build" \
  --prepare "echo \"{{! edited \$RANDOM\$RANDOM }}\" >> $layout" -n layout "cd $work/soh && $soh build" \
  --prepare "$(aside "$work/copy")" -n copy "cp -r $work/public.keep $work/copy" \
  --prepare "$(aside "$work/hugo/public")" -n hugo "$work/hugo/all.sh" >/dev/null
hugo_files=$(find "$work/hugo/public" -type f | wc -l)
# What each kind of rebuild wrote (every page is rendered; only changed bytes are written), one run each.
rendered() { (cd "$work/soh" && "$soh" build --format json) | python3 -c 'import json, sys; s = json.load(sys.stdin)["summary"]; print("%d of %d pages rendered, %d files written" % (s["rendered"], s["pages"], s["written"]))'; }
echo "Edited again." >> "$page"; after_page=$(rendered)
echo "# edited again" >> "$work/soh/forces/kent.yml"; after_force=$(rendered)
echo "{{! edited again }}" >> "$layout"; after_layout=$(rendered)
# soh serve keeps the site in memory: saving one page's text, to every force's preview updated.
serve=$(python3 "$here/bench-serve.py" "$soh" "$work/soh" "$page" --runs 9)
peak() { { /usr/bin/time -v "$soh" build --root "$1" --out "$2" >/dev/null; } 2>&1 | awk -F: '/Maximum resident/ {print $2+0}'; }
peak_small=$(peak "$work/soh" "$work/mem")
big=$((pages * 10))
python3 "$here/make-bench-corpus.py" "$work/corpus-big" --pages "$big"
mkdir -p "$work/big"
cp -r "$project/site.yml" "$project/forces" "$project/themes" "$project/content" "$project/data" "$project/national" "$work/big/"
cp -r "$work/corpus-big/bench" "$work/big/content/bench"
peak_big=$(peak "$work/big" "$work/mem-big")
rm -rf "$work/mem" "$work/mem-big"
python3 - "$work/t.json" "$files" "$bytes" "$pages" "$peak_small" "$project" "$big" "$peak_big" "$after_page" "$after_force" "$after_layout" "$hugo_files" "$serve" <<'PY'
import gzip, json, os, re, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
files, size, pages, peak, project, big, peak_big, after_page, after_force, after_layout, hugo_files, serve = sys.argv[2:14]
gz = lambda *names: len(gzip.compress(b"".join(open(os.path.join(project, "themes/national/assets", n), "rb").read() for n in names), 9))
def verdict(ok): return "met" if ok else "NOT met"
print(f"corpus: {pages} pages + the repository's content, 43 forces: {files} files, {int(size) / 1e6:.1f} MB (Hugo's output: {hugo_files} files)")
print(f"median seconds: cold {r['cold']:.2f} · copy of the output {r['copy']:.2f} · hugo x43 {r['hugo']:.2f}")
print(f"  rebuilds: nothing changed {r['warm']:.2f} · one page edited {r['page']:.2f} · one force file edited {r['force']:.2f} · one layout edited {r['layout']:.2f}")
print(f"hugo/cold = {r['hugo'] / r['cold']:.2f}x (target >= 8: {verdict(r['hugo'] / r['cold'] >= 8)})   cold/copy = {r['cold'] / r['copy']:.2f}x (target <= 1.3: {verdict(r['cold'] / r['copy'] <= 1.3)})")
print(f"nothing changed {r['warm']:.3f} s (target <= 0.05: {verdict(r['warm'] <= 0.05)})   page/cold = {r['page'] / r['cold']:.3f} (target <= 1, no slower than cold: {verdict(r['page'] / r['cold'] <= 1.0)})")
serve_ms = float(re.search(r"median (\d+) ms", serve).group(1))
print(f"{serve} (target < 200 ms: {verdict(serve_ms < 200)})")
print(f"force/cold = {r['force'] / r['cold']:.3f} · layout/cold = {r['layout'] / r['cold']:.3f}")
print(f"after one page edit: {after_page} · one force file: {after_force} · the section layout: {after_layout}")
small_mb, big_mb = int(peak) / 1024, int(peak_big) / 1024
print(f"peak memory: {small_mb:.0f} MB at {pages} pages · {big_mb:.0f} MB at {big} pages (target < 400: {verdict(big_mb < 400)}; x{big_mb / small_mb:.1f} for x10 pages)")
print(f"form runtime {gz('js/forms.js', 'js/forms-logic.js') / 1024:.1f} KB gzipped (budget 15) · site CSS {gz('site.css') / 1024:.1f} KB gzipped (budget 20) · search script {gz('js/search.js', 'js/search-logic.js') / 1024:.1f} KB gzipped (budget 6)")
PY
"${PYTHON:-python3}" "$here/bench-search.py" "$soh" "$work/soh" --runs "$runs"
