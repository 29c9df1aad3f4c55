#!/usr/bin/env python3
"""soh serve after a save: the time from writing one page's text to the line saying every force's
preview was updated (the watcher's polling included), over several saves.

usage: bench-serve.py SOH_BINARY ROOT PAGE [--runs 9]
Prints the median and the slowest in milliseconds, and what the first build took.
"""
import argparse
import queue
import socket
import statistics
import subprocess
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("soh")
    ap.add_argument("root")
    ap.add_argument("page")
    ap.add_argument("--runs", type=int, default=9)
    a = ap.parse_args()
    port = free_port()
    api = free_port()
    server = subprocess.Popen([a.soh, "serve", "--root", a.root, "--port", str(port), "--api-port", str(api)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    built = queue.Queue()

    def read():
        for line in server.stdout:
            if line.startswith("Built "):
                built.put((time.perf_counter(), line.strip()))

    threading.Thread(target=read, daemon=True).start()
    try:
        _, first = built.get(timeout=300)
        time.sleep(1)
        waits = []
        for i in range(a.runs):
            with open(a.page, "a") as f:
                start = time.perf_counter()
                f.write(f"\nSaved again ({i}).\n")
            at, line = built.get(timeout=60)
            waits.append((at - start) * 1000)
            time.sleep(0.4)
        print(f"soh serve, one page's text saved: median {statistics.median(waits):.0f} ms, slowest {max(waits):.0f} ms "
              f"over {a.runs} saves (first build: {first})")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
