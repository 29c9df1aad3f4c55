#!/usr/bin/env python3
"""Benchmark of the submission API with durable writes, next to SQLite's own durable insert rate
measured in the same run (the floor for one fsync per commit on this disk).

usage: bench-api.py SOH_BINARY [--clients 32] [--submissions 3000]
Prints throughput, p50/p99 latency, the raw SQLite rate, their ratio, and whether anything was lost.
"""
import argparse
import http.client
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("soh")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--submissions", type=int, default=3000)
    a = ap.parse_args()
    db = os.path.join(tempfile.mkdtemp(), "bench.sqlite")
    server = subprocess.Popen([a.soh, "api", "--root", ROOT, "--port", "0", "--db", db, "--rate-limit", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    while "listening on" not in line:
        line = server.stdout.readline()
    port = int(line.rsplit(":", 1)[1])
    threading.Thread(target=server.stdout.read, daemon=True).start()  # a full pipe would stop it
    body = json.dumps({"form": "lost-property", "version": 1, "language": "en", "answers": ANSWERS})
    latencies, failures, lock = [], [], threading.Lock()
    per_client = a.submissions // a.clients

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for _ in range(per_client):
            t = time.perf_counter()
            conn.request("POST", "/v1/forces/kent/forms/lost-property/submissions", body=body,
                         headers={"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())})
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t)
            if response.status != 201:
                with lock:
                    failures.append(response.status)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(a.clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    server.terminate()
    server.wait()
    stored = sqlite3.connect(db).execute("SELECT COUNT(*) FROM submission").fetchone()[0]
    sent = per_client * a.clients
    rate = sent / elapsed
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    raw = raw_sqlite_rate(min(sent, 2000))
    print(f"clients {a.clients}, submissions {sent}: {rate:.0f}/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(f"raw SQLite durable inserts (one commit each, one writer): {raw:.0f}/s; API/raw = {rate / raw:.2f}")
    print(f"acknowledged {sent - len(failures)}, stored {stored}, lost {max(0, sent - len(failures) - stored)}")
    target = rate >= 500 and p99 < 100 and stored == sent - len(failures) and not failures
    print("targets (>= 500/s with 32 clients, p99 < 100 ms, nothing lost): " + ("met" if target else "NOT met"))


if __name__ == "__main__":
    main()
