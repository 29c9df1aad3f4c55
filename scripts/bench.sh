#!/usr/bin/env bash
# make bench: the build's speed as ratios measured in one run (medians of hyperfine runs):
# a cold 43-force build against copying its own output tree and against Hugo building the same
# Markdown once per force; a warm rebuild with nothing changed; peak memory; asset budgets.
# usage: scripts/bench.sh SOH_BINARY [--pages N] [--runs R]
set -euo pipefail
soh=$(realpath "$1"); shift
pages=300 runs=5
while [[ $# -gt 0 ]]; do case $1 in --pages) pages=$2; shift 2 ;; --runs) runs=$2; shift 2 ;; *) shift ;; esac; done
here=$(cd "$(dirname "$0")" && pwd); project=$(dirname "$here")
work=$(mktemp -d /tmp/soh-bench.XXXXXX); trap 'rm -rf "$work"' EXIT
python3 "$here/make-bench-corpus.py" "$work/corpus" --pages "$pages"
mkdir -p "$work/soh"
cp -r "$project/site.yml" "$project/forces" "$project/themes" "$project/content" "$work/soh/"
cp -r "$work/corpus/bench" "$work/soh/content/bench"
mkdir -p "$work/hugo/content"
cp -r "$work/corpus/bench" "$work/hugo/content/bench"
find "$work/hugo/content" -name index.md -execdir mv index.md _index.md \;
cp -r "$here/bench/hugo/layouts" "$work/hugo/"
tail -n +2 "$project/data/forces.csv" | while IFS=, read -r id name _; do
  printf 'baseURL = "https://%s.soh.example/"\ntitle = "%s"\ndisableKinds = ["taxonomy", "term", "RSS"]\n[params]\nphone = "101"\n[[menus.main]]\nname = "Advice"\nurl = "/bench/"\n' "$id" "$name" > "$work/hugo/$id.toml"
done
printf '#!/usr/bin/env bash\ncd "$(dirname "$0")"\nfor c in *.toml; do hugo --quiet --config "$c" -d "public/${c%%.toml}" >/dev/null || exit 1; done\n' > "$work/hugo/all.sh"
chmod +x "$work/hugo/all.sh"
(cd "$work/soh" && "$soh" build --timings)
cp -r "$work/soh/public" "$work/public.keep"
files=$(find "$work/soh/public" -type f | wc -l); bytes=$(du -sb "$work/soh/public" | cut -f1)
hyperfine --style none --runs "$runs" --warmup 1 --export-json "$work/t.json" \
  --prepare "rm -rf $work/soh/public" -n cold "cd $work/soh && $soh build" \
  --prepare "true" -n warm "cd $work/soh && $soh build" \
  --prepare "rm -rf $work/copy" -n copy "cp -r $work/public.keep $work/copy" \
  --prepare "rm -rf $work/hugo/public" -n hugo "$work/hugo/all.sh" >/dev/null
peak=$( { /usr/bin/time -v "$soh" build --root "$work/soh" --out "$work/mem" >/dev/null; } 2>&1 | awk -F: '/Maximum resident/ {print $2+0}')
python3 - "$work/t.json" "$files" "$bytes" "$pages" "$peak" "$project" <<'PY'
import gzip, json, os, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
files, size, pages, peak, project = sys.argv[2:7]
gz = lambda *names: len(gzip.compress(b"".join(open(os.path.join(project, "themes/national/assets", n), "rb").read() for n in names), 9))
print(f"corpus: {pages} pages + the repository's content, 43 forces: {files} files, {int(size) / 1e6:.1f} MB")
print(f"median seconds: cold {r['cold']:.2f} · warm (nothing changed) {r['warm']:.2f} · copy of the output {r['copy']:.2f} · hugo x43 {r['hugo']:.2f}")
print(f"hugo/cold = {r['hugo'] / r['cold']:.2f}x (target >= 8)   cold/copy = {r['cold'] / r['copy']:.2f}x (target <= 1.3)   warm/cold = {r['warm'] / r['cold']:.2f} (target < 0.10)")
print(f"peak memory: {int(peak) / 1024:.0f} MB")
print(f"form runtime {gz('js/forms.js', 'js/forms-logic.js') / 1024:.1f} KB gzipped (budget 15) · site CSS {gz('site.css') / 1024:.1f} KB gzipped (budget 20)")
PY
