#!/usr/bin/env python3
"""make bench, search part (docs/search.md): soh's search next to Pagefind on the same built sites.

usage: bench-search.py SOH_BINARY REPOSITORY_COPY [--runs R]

REPOSITORY_COPY is the benchmark's copy of the repository with the 300-page corpus in it. Reports,
as medians: what news and search add to a cold build (and what Pagefind takes over the same 44
sites), each search's index size per force, the bytes a first query fetches in headless Chromium
with an empty cache (gzip where it helps, as a server would send them), and how many of the 20
queries in scripts/bench/search-queries.json (their expected pages written down before either
search was run) have an expected page in the first three results.
"""
import argparse
import functools
import gzip
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = "2026-12-07T12:00:00Z"
PAGEFIND = os.path.join(os.path.dirname(sys.executable), "..", "lib", f"python{sys.version_info.major}.{sys.version_info.minor}",
                        "site-packages", "pagefind_bin", "pagefind")


def cold_build(soh, root, runs):
    """Median seconds of a cold build (fresh output folder) of every site."""
    times = []
    for _ in range(runs):
        out = tempfile.mkdtemp(dir=os.path.dirname(root))
        start = time.perf_counter()
        subprocess.run([soh, "build", "--root", root, "--out", out, "--now", NOW], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
        shutil.rmtree(out)
    return statistics.median(times)


def without(root, paths, name):
    """A copy of the repository without `paths` (glob-free, relative)."""
    copy = os.path.join(os.path.dirname(root), name)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("public", ".build"))
    for path in paths:
        full = os.path.join(copy, path)
        if os.path.isdir(full):
            shutil.rmtree(full)
        elif os.path.exists(full):
            os.remove(full)
    return copy


def folder_bytes(path, skip=()):
    total = 0
    for folder, _, names in os.walk(path):
        for name in names:
            if not any(s in name for s in skip):
                total += os.path.getsize(os.path.join(folder, name))
    return total


def wire_bytes(site, url_path):
    """What a server sends for a file: gzipped when that makes it smaller."""
    data = open(os.path.join(site, url_path.lstrip("/")), "rb").read()
    return min(len(data), len(gzip.compress(data, 9)))


class Recorder(http.server.SimpleHTTPRequestHandler):
    """Serves a site and notes every path asked for: what a query fetched, workers' fetches too."""
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requested.append(self.path.split("?")[0])
        super().do_GET()


def serve(folder):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Recorder, directory=folder))
    server.requested = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def driver():
    options = Options()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(arg)
    d = webdriver.Chrome(options=options, service=Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")))
    d.set_script_timeout(30)
    return d


def soh_query(browser, server, site, search_path, query):
    browser.execute_cdp_cmd("Network.clearBrowserCache", {})
    server.requested.clear()
    browser.get(f"http://127.0.0.1:{server.server_port}{search_path}?q={query.replace(' ', '+')}")
    deadline = time.time() + 20
    while time.time() < deadline:
        status = browser.execute_script("return document.querySelector('[data-search-status]').textContent")
        if status:
            break
        time.sleep(0.05)
    links = browser.execute_script("return [...document.querySelectorAll('[data-search-results] a')].map(a => new URL(a.href).pathname)")
    # The search scripts, the manifest, the chunks and the documents (not the page or its CSS).
    fetched = [p for p in server.requested if "/search" in p and not p.endswith("/")]
    return links, sum(wire_bytes(site, p) for p in fetched), len(fetched)


def pagefind_query(browser, server, site, language, query):
    browser.execute_cdp_cmd("Network.clearBrowserCache", {})
    browser.get(f"http://127.0.0.1:{server.server_port}/_bench/pagefind-{language}.html")
    server.requested.clear()
    # As Pagefind's own UI does: search, then load the data of the results it shows.
    links = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        import('/pagefind/pagefind.js').then(async (pf) => {
          const found = await pf.search(arguments[0]);
          const data = await Promise.all(found.results.slice(0, 10).map(r => r.data()));
          done(data.map(d => new URL(d.url, location.href).pathname));
        }).catch(e => done(['error: ' + e]));""", query)
    fetched = [p for p in server.requested if p.startswith("/pagefind/")]
    return links, sum(wire_bytes(site, p) for p in fetched), len(fetched)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("soh")
    parser.add_argument("root")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    soh, root = os.path.abspath(args.soh), os.path.abspath(args.root)
    queries = json.load(open(os.path.join(HERE, "bench", "search-queries.json")))["queries"]

    # Build time: the whole build, then without search, then without news and search.
    search_pages = ["content/search.md", "content/search.cy.md"]
    news = ["content/news"] + [f"forces/{f}/news" for f in os.listdir(os.path.join(root, "forces")) if os.path.isdir(os.path.join(root, "forces", f, "news"))]
    no_search = without(root, search_pages, "no-search")
    neither = without(root, search_pages + news, "no-news-no-search")
    full_s = cold_build(soh, root, args.runs)
    no_search_s = cold_build(soh, no_search, args.runs)
    neither_s = cold_build(soh, neither, args.runs)

    out = os.path.join(os.path.dirname(root), "search-public")
    subprocess.run([soh, "build", "--root", root, "--out", out, "--now", NOW], check=True, stdout=subprocess.DEVNULL)
    forces = sorted(f for f in os.listdir(out) if not f.startswith(("_", ".")))

    # Pagefind over the same 44 sites (each a copy, so that soh's output stays as built).
    pagefind_root = os.path.join(os.path.dirname(root), "pagefind-public")
    shutil.copytree(out, pagefind_root, ignore=shutil.ignore_patterns(".soh-cache", "_manifests"))
    pagefind_times = []
    for _ in range(args.runs):
        for force in forces:
            shutil.rmtree(os.path.join(pagefind_root, force, "pagefind"), ignore_errors=True)
        start = time.perf_counter()
        for force in forces:
            subprocess.run([PAGEFIND, "--site", os.path.join(pagefind_root, force)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        pagefind_times.append(time.perf_counter() - start)
    pagefind_s = statistics.median(pagefind_times)

    # Index size per force: soh's manifests and chunks; Pagefind's index, its script and WebAssembly (not its UI).
    ours = [folder_bytes(os.path.join(out, f, "search")) + folder_bytes(os.path.join(out, f, "assets", "search")) for f in forces]
    theirs = [folder_bytes(os.path.join(pagefind_root, f, "pagefind"), skip=("-ui.", "highlight")) for f in forces]

    # Queries in Chromium, each with an empty cache, on kent and south-wales.
    browser = driver()
    servers = {}
    results = {"soh": [], "pagefind": []}
    try:
        for q in queries:
            force = q["force"]
            if force not in servers:
                os.makedirs(os.path.join(pagefind_root, force, "_bench"), exist_ok=True)
                for language in ("en", "cy"):
                    # Without the sites' CSP, which does not let WebAssembly run; in the query's
                    # language, which is how Pagefind chooses an index.
                    with open(os.path.join(pagefind_root, force, "_bench", f"pagefind-{language}.html"), "w") as f:
                        f.write(f"<!DOCTYPE html><html lang={language}><title>Pagefind</title><p>Pagefind</p></html>\n")
                servers[force] = (serve(os.path.join(out, force)), serve(os.path.join(pagefind_root, force)))
            ours_server, theirs_server = servers[force]
            search_path = "/cy/chwilio/" if q["language"] == "cy" else "/search/"
            links, size, count = soh_query(browser, ours_server, os.path.join(out, force), search_path, q["query"])
            results["soh"].append((q, links, size, count))
            links, size, count = pagefind_query(browser, theirs_server, os.path.join(pagefind_root, force), q["language"], q["query"])
            results["pagefind"].append((q, links, size, count))
    finally:
        browser.quit()
        for a, b in servers.values():
            a.shutdown()
            b.shutdown()

    def hits(rows):
        return sum(1 for q, links, _, _ in rows if any(e in links[:3] for e in q["expect"]))

    def verdict(ok):
        return "met" if ok else "NOT met"

    kb = lambda n: n / 1024
    ours_q = statistics.median(r[2] for r in results["soh"])
    theirs_q = statistics.median(r[2] for r in results["pagefind"])
    added = full_s / no_search_s - 1
    print(f"search: index per force, median {kb(statistics.median(ours)):.0f} KB (soh) vs {kb(statistics.median(theirs)):.0f} KB (Pagefind: index, script and WebAssembly)")
    print(f"  first query, empty cache, gzip where it helps: median {kb(ours_q):.1f} KB in {statistics.median(r[3] for r in results['soh']):.0f} files (soh) vs "
          f"{kb(theirs_q):.1f} KB in {statistics.median(r[3] for r in results['pagefind']):.0f} files (Pagefind) "
          f"(target < 100 KB and fewer than Pagefind: {verdict(ours_q < 100 * 1024 and ours_q < theirs_q)})")
    ours_hits, theirs_hits = hits(results["soh"]), hits(results["pagefind"])
    print(f"  expected page in the top three: soh {ours_hits}/{len(queries)}, Pagefind {theirs_hits}/{len(queries)} "
          f"(English {hits(results['soh'][:10])} vs {hits(results['pagefind'][:10])}, Welsh {hits(results['soh'][10:])} vs {hits(results['pagefind'][10:])}; "
          f"target at least Pagefind's: {verdict(ours_hits >= theirs_hits)})")
    print(f"  cold build {full_s:.2f} s; without search {no_search_s:.2f} s; without news and search {neither_s:.2f} s: "
          f"search adds {added * 100:.1f} % (target < 15 %: {verdict(added < 0.15)}), news {(no_search_s / neither_s - 1) * 100:.1f} %; "
          f"Pagefind over the same {len(forces)} sites {pagefind_s:.2f} s")
    if os.environ.get("SEARCH_BENCH_DETAIL"):
        for engine, rows in results.items():
            for q, links, size, count in rows:
                print(f"    {engine:8} {q['query']!r:32} {kb(size):6.1f} KB {count:2} files  top3 {links[:3]}")


if __name__ == "__main__":
    main()
