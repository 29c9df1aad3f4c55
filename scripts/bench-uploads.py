#!/usr/bin/env python3
"""Benchmark of evidence uploads (docs/evidence.md): the real `soh api` with a real clamd (its
own signature database, as the tests use), on this machine's disk.

usage: bench-uploads.py SOH_BINARY [--big-mb 1024] [--clients 20] [--each-mb 50] [--runs 3]

1. One big upload (`--big-mb`, 1 GB by default) sent by tus in 8 MB pieces: MB/s, and the API's
   peak memory (VmHWM) while it took it, against the memory it had before.
2. `--clients` uploads of `--each-mb` at once: MB/s for all of them together.
3. The same bytes written by `cp` and synced, on the same disk: the baseline MB/s. Ratios are
   soh's MB/s over cp's, medians of `--runs`.
4. clamd's own scan rate: a file of the big one's size, of bytes it has not seen (it remembers
   what it scanned), streamed straight to clamd with INSTREAM, MB/s; and how long after the last
   byte soh's scan of the big file gave its verdict.
"""
import argparse
import base64
import concurrent.futures
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "Tests", "delivery"))
from clamd import Clamd  # noqa: E402  (the tests' clamd: a local signature database, no network)

os.environ.setdefault("SOH_ANSWERS_KEYS", "bench:" + base64.b64encode(os.urandom(32)).decode())
PIECE = 8 * 1024 * 1024
FORM, QUESTION = "road-traffic-collision", "collision-footage"


def repository():
    """A copy of the repository whose collision form takes dashcam files up to 2 GB (the national
    form stops at 300 MB)."""
    import shutil
    root = tempfile.mkdtemp(prefix="soh-bench-root-", dir=os.environ.get("BENCH_DIR"))
    for name in ("site.yml", "content", "forces", "national", "themes", "data"):
        source = os.path.join(ROOT, name)
        (shutil.copytree if os.path.isdir(source) else shutil.copy)(source, os.path.join(root, name))
    path = os.path.join(root, "content", "forms", FORM + ".yml")
    with open(path) as f:
        text = f.read()
    assert "    maxSize: 300 MB\n    maxTotal: 1 GB\n" in text, "the collision form's file question changed: update bench-uploads.py"
    with open(path, "w") as f:
        f.write(text.replace("    maxSize: 300 MB\n    maxTotal: 1 GB\n", "    maxSize: 2 GB\n    maxTotal: 2 GB\n"))
    return root
MP4_HEAD = bytes(4) + b"ftypmp42"


def make_file(folder, name, size):
    """An MP4's first bytes, then `size` random bytes in all (random throughout: clamd skips
    what it has scanned before)."""
    path = os.path.join(folder, name)
    with open(path, "wb") as f:
        f.write(MP4_HEAD)
        left = size - len(MP4_HEAD)
        while left > 0:
            f.write(os.urandom(min(left, PIECE)))
            left -= PIECE
    return path


class API:
    def __init__(self, soh, clamd, root):
        self.dir = tempfile.mkdtemp(prefix="soh-bench-uploads-", dir=os.environ.get("BENCH_DIR"))
        self.process = subprocess.Popen(
            [soh, "api", "--root", root, "--port", "0", "--db", os.path.join(self.dir, "api.sqlite"), "--rate-limit", "0",
             "--clamd", clamd.address, "--evidence", os.path.join(self.dir, "evidence")],
            stdout=subprocess.PIPE, stderr=open(os.path.join(self.dir, "api.log"), "w"), text=True)
        for line in self.process.stdout:
            if "listening on" in line:
                self.url = urllib.parse.urlparse(line.split()[-1])
                break
        else:
            raise SystemExit("soh api did not start")

    def peak_kb(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            return int(next(l for l in f if l.startswith("VmHWM")).split()[1])

    def resident_kb(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            return int(next(l for l in f if l.startswith("VmRSS")).split()[1])

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=600)
        connection.request(method, path, body=body, headers={"Tus-Resumable": "1.0.0", **(headers or {})})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, data

    def upload(self, path, name):
        size = os.path.getsize(path)
        metadata = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in (("question", QUESTION), ("filename", name)))
        response, body = self.request("POST", f"/v1/forces/kent/forms/{FORM}/uploads", headers={"Upload-Length": str(size), "Upload-Metadata": metadata})
        assert response.status == 201, body
        location = response.getheader("Location")
        offset = 0
        with open(path, "rb") as f:
            while offset < size:
                f.seek(offset)
                piece = f.read(PIECE)
                response, body = self.request("PATCH", location, body=piece,
                                              headers={"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
                assert response.status == 204, body
                offset = int(response.getheader("Upload-Offset"))
        return location

    def state(self, location):
        return json.loads(self.request("GET", location)[1])["state"]

    def stop(self):
        self.process.terminate()
        self.process.wait()


def cp_rate(path, folder):
    """MB/s of cp of `path` into `folder`, synced to disk as soh's pieces are."""
    target = os.path.join(folder, "copy")
    start = time.perf_counter()
    subprocess.run(["cp", path, target], check=True)
    subprocess.run(["sync", target], check=True)
    seconds = time.perf_counter() - start
    os.remove(target)
    return os.path.getsize(path) / 1e6 / seconds


def clamd_rate(clamd, path):
    import socket
    start = time.perf_counter()
    with socket.socket(socket.AF_UNIX) as s, open(path, "rb") as f:
        s.connect(clamd.socket)
        s.sendall(b"zINSTREAM\0")
        while chunk := f.read(1 << 20):
            s.sendall(len(chunk).to_bytes(4, "big") + chunk)
        s.sendall(bytes(4))
        reply = s.recv(200)
    assert reply.startswith(b"stream: OK"), reply
    return os.path.getsize(path) / 1e6 / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("soh")
    parser.add_argument("--big-mb", type=int, default=1024)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--each-mb", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    clamd = Clamd()
    root = repository()
    files = tempfile.mkdtemp(prefix="soh-bench-files-", dir=os.environ.get("BENCH_DIR"))
    small = [make_file(files, f"clip{i}.mp4", args.each_mb * 1024 * 1024) for i in range(args.clients)]
    results = {"big": [], "many": [], "cp": [], "clamd": [], "peak": [], "verdict": []}
    try:
        for run in range(args.runs):
            # New bytes each run, so clamd's verdict is a scan, not a memory of the last run's.
            big = make_file(files, "big.mp4", args.big_mb * 1024 * 1024)
            api = API(args.soh, clamd, root)
            try:
                before = api.resident_kb()
                start = time.perf_counter()
                location = api.upload(big, "big.mp4")
                seconds = time.perf_counter() - start
                results["big"].append(os.path.getsize(big) / 1e6 / seconds)
                results["peak"].append((api.peak_kb() - before) / 1024)
                done = time.perf_counter()
                while api.state(location) == "scanning":
                    time.sleep(0.2)
                results["verdict"].append(time.perf_counter() - done)
                start = time.perf_counter()
                with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
                    list(pool.map(lambda p: api.upload(p, os.path.basename(p)), small))
                results["many"].append(sum(os.path.getsize(p) for p in small) / 1e6 / (time.perf_counter() - start))
            finally:
                api.stop()
            results["cp"].append(cp_rate(big, files))
            # Bytes clamd has not seen: it remembers what it scanned, and would answer at once.
            fresh = make_file(files, "fresh.mp4", os.path.getsize(big))
            results["clamd"].append(clamd_rate(clamd, fresh))
            os.remove(fresh)
            os.remove(big)
            print(f"run {run + 1}: one {args.big_mb} MB upload {results['big'][-1]:.0f} MB/s (peak memory +{results['peak'][-1]:.0f} MB), "
                  f"{args.clients} x {args.each_mb} MB at once {results['many'][-1]:.0f} MB/s, cp {results['cp'][-1]:.0f} MB/s, "
                  f"clamd alone {results['clamd'][-1]:.0f} MB/s, verdict {results['verdict'][-1]:.1f} s after the last byte", flush=True)
    finally:
        clamd.stop()
        for p in small:
            os.remove(p)
    m = {k: statistics.median(v) for k, v in results.items()}
    print(f"medians of {args.runs}:")
    print(f"  one {args.big_mb} MB upload: {m['big']:.0f} MB/s, {m['big'] / m['cp']:.2f} of cp ({m['cp']:.0f} MB/s); "
          f"API peak memory +{m['peak']:.0f} MB while taking it (target < 100 MB)")
    print(f"  {args.clients} uploads of {args.each_mb} MB at once: {m['many']:.0f} MB/s together, {m['many'] / m['cp']:.2f} of cp")
    print(f"  clamd scans {m['clamd']:.0f} MB/s on its own; soh's verdict on the {args.big_mb} MB file came {m['verdict']:.1f} s after its last byte "
          f"({args.big_mb * 1.048576 / max(m['verdict'], 0.001):.0f} MB/s)")


if __name__ == "__main__":
    main()
