#!/usr/bin/env python3
"""Benchmark of the submission API with durable writes, next to the database's own durable insert
rate measured in the same run: SQLite's (one fsync per commit on this disk), or PostgreSQL's from
pgbench with a one-row insert script and as many clients.

usage: bench-api.py SOH_BINARY [--clients 32] [--seconds 10] [--db sqlite|postgres] [--instances N]
The load is wrk's (a C load generator, scripts/bench-api.lua), each request with its own
Idempotency-Key. With --db postgres a server is started for the run (fsync on) and N instances
share it, wrk's connections spread across them. Prints durable submissions a second, p50/p99
latency, the raw rate, their ratio, and whether anything acknowledged was lost.
"""
import argparse
import base64
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import re
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "delivery"))
from postgres import Postgres  # noqa: E402

# soh seals answers with a key and does not start without one: this run's own (docs/privacy.md).
os.environ.setdefault("SOH_ANSWERS_KEYS", "bench:" + base64.b64encode(os.urandom(32)).decode())

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
ANSWERS = {"think-stolen": "no", "item-type": "keys", "item-description": "Three keys on a red fob",
           "lost-date": {"day": "2", "month": "3", "year": "2026"}, "lost-place": "High Street",
           "full-name": "Sam Jones", "email": "sam@example.com",
           "home-address": {"line1": "1 High Street", "town": "Maidstone", "postcode": "ME14 1XX"}, "confirm": "yes"}


def raw_sqlite_rate(n):
    path = os.path.join(tempfile.mkdtemp(), "raw.sqlite")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, reference TEXT UNIQUE, body TEXT)")
    body = json.dumps(ANSWERS)
    start = time.perf_counter()
    for i in range(n):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (reference, body) VALUES (?, ?)", (f"R{i}", body))
        db.execute("COMMIT")
    return n / (time.perf_counter() - start)


def raw_postgres_rate(server, database, clients, seconds=10):
    """pgbench's transactions a second, each one durable insert of a report-sized row."""
    server.sql(database, "CREATE TABLE raw (id BIGSERIAL PRIMARY KEY, reference TEXT UNIQUE, body TEXT)")
    script = os.path.join(server.dir, "insert.sql")
    with open(script, "w") as f:
        f.write("INSERT INTO raw (reference, body) VALUES (md5(random()::text || clock_timestamp()::text), '"
                + json.dumps(ANSWERS).replace("'", "''") + "');\n")
    os.chmod(script, 0o644)
    out = server.run("pgbench", "-h", server.dir, "-p", str(server.port), "-U", "soh", "-n", "-c", str(clients), "-j", "2",
                     "-T", str(seconds), "-f", script, database).stdout
    return float(next(line for line in out.splitlines() if line.startswith("tps")).split("=")[1].split()[0])


def start_api(soh, place):
    server = subprocess.Popen([soh, "api", "--root", ROOT, "--port", "0", *place, "--rate-limit", "0", "--read-rate-limit", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    while "listening on" not in line:
        if server.poll() is not None:
            sys.exit("soh api did not start")
        line = server.stdout.readline()
    threading.Thread(target=server.stdout.read, daemon=True).start()  # a full pipe would stop it
    return server, int(line.rsplit(":", 1)[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("soh")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--instances", type=int, default=1)
    a = ap.parse_args()
    pg = None
    if a.db == "postgres":
        pg = Postgres(durable=True)
        pg.create("bench")
        pg.create("raw")
        place = ["--database", pg.url("bench")]
    else:
        db = os.path.join(tempfile.mkdtemp(), "bench.sqlite")
        place = ["--db", db]
    servers = [start_api(a.soh, place) for _ in range(max(a.instances, 1))]
    body = json.dumps({"form": "lost-property", "version": 1, "language": "en", "answers": ANSWERS})
    script = os.path.join(ROOT, "scripts", "bench-api.lua")
    # One wrk per instance, the connections shared out, run at once.
    runs = [subprocess.Popen(["wrk", "-t1" if len(servers) > 1 else "-t2", f"-c{a.clients // len(servers)}", f"-d{a.seconds}s",
                              "--latency", "-s", script, f"http://127.0.0.1:{port}"],
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "BENCH_BODY": body, "BENCH_PREFIX": uuid.uuid4().hex})
            for _, port in servers]
    outputs = [run.communicate()[0] for run in runs]
    for server, _ in servers:
        server.terminate()
        server.wait()
    sent = sum(int(re.search(r"(\d+) requests in", out).group(1)) for out in outputs)
    refused = sum(int(m.group(1)) for out in outputs for m in [re.search(r"Non-2xx or 3xx responses: (\d+)", out)] if m)
    rate = sum(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)) for out in outputs)

    def percentile(out, p):
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    p50 = max(percentile(out, 50) for out in outputs)
    p99 = max(percentile(out, 99) for out in outputs)
    try:
        if pg:
            stored = int(pg.sql("bench", "SELECT COUNT(*) FROM submission")[0][0])
            raw = raw_postgres_rate(pg, "raw", a.clients)
            baseline = f"raw PostgreSQL durable inserts (pgbench, one row a transaction, {a.clients} clients)"
        else:
            stored = sqlite3.connect(db).execute("SELECT COUNT(*) FROM submission").fetchone()[0]
            raw = raw_sqlite_rate(2000)
            baseline = "raw SQLite durable inserts (one commit each, one writer)"
    finally:
        if pg:
            pg.remove()
    acknowledged = sent - refused
    print(f"{a.db}, {len(servers)} instance{'s' if len(servers) > 1 else ''}, {a.clients} connections (wrk), {a.seconds} s: "
          f"{rate:.0f} durable submissions/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(f"{baseline}: {raw:.0f}/s; API/raw = {rate / raw:.2f} (goal >= 0.5)")
    print(f"acknowledged {acknowledged}, refused {refused}, stored {stored}, lost {max(0, acknowledged - stored)}")
    target = rate >= 500 and p99 < 100 and stored >= acknowledged and not refused
    print("targets (>= 500/s with 32 connections, p99 < 100 ms, nothing refused or lost): " + ("met" if target else "NOT met"))


if __name__ == "__main__":
    main()
