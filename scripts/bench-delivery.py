#!/usr/bin/env python3
"""Benchmark of delivery: reports taken by `soh api` and delivered by its worker to a force's
Standard API (the tests' reference receiver, in its own process, schema checks off).

usage: bench-delivery.py SOH_BINARY [--clients 32] [--submissions 3000] [--rate 300] [--runs 3] [--outage 60]
       (run with the Python of .venv, which has aiosmtpd: `make bench-delivery` does)

1. Healthy, at the target rate: 32 clients submit N reports paced at `--rate` a second (an open
   loop: each report has its time, latency counts from it). p50/p99 submit-to-201 and
   submit-to-delivered, and the deliveries per second that came of it.
2. Healthy, flat out: 32 clients submit N reports as fast as the API takes them. Deliveries per
   second (first submission to last delivery): the most the worker keeps up with while the API
   is taking reports on the same database. Next to it, in the same run, the receiver's own
   ceiling: the same size of document posted straight to it by 8 connections, and the ratio.
   1 and 2 run `--runs` times; medians are quoted.
3. Confirmations: the same reports, each asking for a confirmation by email, so the API sends
   the report to the receiver and a confirmation to a real SMTP relay (the tests' aiosmtpd, in
   its own process, STARTTLS with a certificate made by openssl, AUTH). Confirmations per second
   (first submission to last message taken) next to the relay's own ceiling, measured in the
   same run: the same message sent straight to it by Python's smtplib over 8 connections, each
   with STARTTLS and AUTH once and then one message after another.
   Run `--runs` times; medians are quoted.
4. Outage: the receiver is stopped for `--outage` seconds while the 32 clients keep submitting
   flat out, then started again on the same port: the backlog when it returns, the time to drain
   it, the drain rate, and lost = acknowledged but never delivered (must be 0).

The deliveries file uses short retry waits (2 s) so that the drain measures the sender, not the
schedule (with the default schedule a report due in 30 minutes waits 30 minutes). The receiver
logs each report it stores to a file, so what reached it before it was stopped is still counted.
"""
import argparse
import base64
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

# soh seals answers with a key and does not start without one: this run's own (docs/privacy.md).
os.environ.setdefault("SOH_ANSWERS_KEYS", "bench:" + base64.b64encode(os.urandom(32)).decode())

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
RECEIVER = os.path.join(ROOT, "Tests", "delivery", "receiver.py")
RELAY = os.path.join(ROOT, "Tests", "delivery", "smtp.py")
ANSWERS = {"think-stolen": "no", "item-type": "keys", "item-description": "Three keys on a red fob",
           "lost-date": {"day": "2", "month": "3", "year": "2026"}, "lost-place": "High Street",
           "full-name": "Sam Jones", "email": "sam@example.com",
           "home-address": {"line1": "1 High Street", "town": "Maidstone", "postcode": "ME14 1XX"}, "confirm": "yes"}
WITH_RECEIPT = {**ANSWERS, "receipt": "email"}


def per_second(work, connections, each):
    """Items a second when `work(n)` does `each` items on connection n, `connections` at once."""
    threads = [threading.Thread(target=work, args=(n,)) for n in range(connections)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return each * connections / (time.perf_counter() - start)


class ReceiverProcess:
    """The reference receiver in its own process, so its work does not share this one's lock."""

    def __init__(self, port=0, log=None):
        self.log = log or os.path.join(tempfile.mkdtemp(prefix="soh-bench-receiver-"), "stored.log")
        self.process = subprocess.Popen([sys.executable, RECEIVER, "--port", str(port), "--no-validate", "--log", self.log],
                                        stdout=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().strip()
        self.port = int(self.url.rsplit(":", 1)[1])

    def arrived(self):
        """Reference → when it was first stored (a line cut short by a kill is left out)."""
        arrived = {}
        with open(self.log) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and line.endswith("\n"):
                    arrived.setdefault(parts[0], float(parts[1]))
        return arrived

    def stop(self):
        self.process.kill()
        self.process.wait()


class RelayProcess(ReceiverProcess):
    """The tests' SMTP relay in its own process; logs `reference message-id time` per message."""

    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="soh-bench-relay-")
        self.log = os.path.join(self.folder, "messages.log")
        self.start()

    def start(self, port=None):
        """Starts the relay (again, on the same port and with the same certificate, after `stop`)."""
        again = {"SOH_TEST_RELAY_PASSWORD": self.password} if port else {}
        self.process = subprocess.Popen([sys.executable, RELAY, self.folder, self.log] + ([str(port)] if port else []),
                                        stdout=subprocess.PIPE, text=True, env=dict(os.environ, **again),
                                        stderr=open(os.path.join(self.folder, "relay.err"), "a"), cwd=os.path.dirname(RELAY))
        line = self.process.stdout.readline().split()
        if len(line) != 4:
            raise SystemExit("the SMTP relay did not start (is aiosmtpd installed? run through `make bench-delivery`)")
        self.port, self.ca, self.username, self.password = int(line[0]), line[1], line[2], line[3]
        open(self.log, "a").close()

    def arrived(self):
        """Reference → when its first message was taken; and how many distinct messages."""
        arrived, ids = {}, set()
        with open(self.log) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and line.endswith("\n"):
                    arrived.setdefault(parts[0], float(parts[2]))
                    ids.add(parts[1])
        self.messages = len(ids)
        return arrived

    def destination(self):
        return (f"    - {{name: confirmations, kind: email, url: \"smtp://127.0.0.1:{self.port}\", username: {{env: SMTP_USERNAME}}, "
                f"password: {{env: SMTP_PASSWORD}}, from: \"Kent Police <no-reply@kent.police.example>\", ca: \"{self.ca}\"}}\n")

    def ceiling(self, messages=2000, connections=8):
        """Messages per second the relay takes from smtplib, `connections` sessions at once."""
        import smtplib
        import ssl
        context = ssl.create_default_context(cafile=self.ca)
        body = ("From: Kent Police <no-reply@kent.police.example>\r\nTo: sam@example.com\r\nSubject: Your report to Kent Police: {ref}\r\n"
                "Message-ID: <{ref}@bench>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + ("x" * 76 + "\r\n") * 32)
        each = messages // connections

        def send(n):
            with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as smtp:
                smtp.starttls(context=context)
                smtp.login(self.username, self.password)
                for i in range(each):
                    smtp.sendmail("no-reply@kent.police.example", ["sam@example.com"], body.format(ref=f"C{n}-{i}"))

        return per_second(send, connections, each)


class API:
    def __init__(self, soh, receiver_url, relay=None):
        """Kent's reports go to the receiver at `receiver_url` (none when it is None), its
        confirmations to `relay`."""
        folder = tempfile.mkdtemp(prefix="soh-bench-delivery-")
        self.db = os.path.join(folder, "bench.sqlite")
        deliveries = os.path.join(folder, "deliveries.yml")
        with open(deliveries, "w") as f:
            f.write(f"allowInsecure: true\nretry: {{schedule: [{', '.join(['2s'] * 200)}], jitter: 0.2}}\n"
                    "forces:\n  kent:\n"
                    + (f"    - {{name: athena, kind: standard-api, url: \"{receiver_url}\", apiKey: {{env: BENCH_KEY}}}}\n" if receiver_url else "")
                    + (relay.destination() if relay else ""))
        secrets = {"BENCH_KEY": "test-api-key", **({"SMTP_USERNAME": relay.username, "SMTP_PASSWORD": relay.password} if relay else {})}
        self.process = subprocess.Popen(
            [soh, "api", "--root", ROOT, "--port", "0", "--db", self.db, "--rate-limit", "0", "--read-rate-limit", "0", "--deliveries", deliveries],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=dict(os.environ, **secrets))
        line = self.process.stdout.readline()
        while "listening on" not in line:
            if not line:
                raise SystemExit("soh api did not start")
            line = self.process.stdout.readline()
        self.port = int(line.rsplit(":", 1)[1])
        threading.Thread(target=self.process.stdout.read, daemon=True).start()  # a full pipe would stop it

    def stop(self):
        self.process.terminate()
        self.process.wait()


def submit(port, clients, count=None, until=None, rate=None, answers=ANSWERS):
    """`clients` threads submitting `count` reports in all, or until the time `until`; at `rate`
    a second when given (report i is due `i / rate` seconds after the start), else flat out.
    Returns {reference: (due or sent at, acknowledged at)} and the failures."""
    body = json.dumps({"form": "lost-property", "version": 1, "language": "en", "answers": answers})
    sent, failures, lock = {}, [], threading.Lock()
    numbers = iter(range(count if count else 10**9))
    start = time.time()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = {}
        while until is None or time.time() < until:
            with lock:
                i = next(numbers, None)
            if i is None:
                break
            due = start + i / rate if rate else time.time()
            if rate and due > time.time():
                time.sleep(due - time.time())
            conn.request("POST", "/v1/forces/kent/forms/lost-property/submissions", body=body,
                         headers={"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())})
            response = conn.getresponse()
            reply = response.read()
            if response.status == 201:
                mine[json.loads(reply)["reference"]] = (due, time.time())
            else:
                with lock:
                    failures.append(response.status)
        with lock:
            sent.update(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sent, failures


def wait_for_all(receivers, references, limit):
    """Waits until every reference has arrived; returns what arrived (reference → first time)."""
    end = time.time() + limit
    while True:
        arrived = {}
        for r in receivers:
            for reference, at in r.arrived().items():
                arrived[reference] = min(at, arrived.get(reference, at))
        if references <= arrived.keys() or time.time() > end:
            return arrived
        time.sleep(0.5)


def percentile(values, p):
    values = sorted(values)
    return values[max(0, int(len(values) * p) - 1)]


def receiver_ceiling(url, documents=2000, connections=8):
    """Documents per second the receiver takes when posted to directly, `connections` at once."""
    sample = json.dumps({"data": {"id": "x", "type": "incident"}, "included": [
        {"id": "s", "type": "submission", "attributes": {"customerReferenceNumber": "", "submissionContent": "x" * 1500}}]})
    port = int(url.rsplit(":", 1)[1])
    each = documents // connections

    def post(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(each):
            body = sample.replace('"customerReferenceNumber": ""', f'"customerReferenceNumber": "C{n}-{i}"')
            conn.request("POST", "/incidents", body=body, headers={"x-api-key": "test-api-key", "Idempotency-Key": f"c{n}-{i}",
                                                                  "Content-Type": "application/vnd.api+json"})
            conn.getresponse().read()

    return per_second(post, connections, each)


def healthy(soh, clients, submissions, rate):
    receiver = ReceiverProcess()
    api = API(soh, receiver.url)
    try:
        # At the target rate.
        sent, failures = submit(api.port, clients, count=submissions, rate=rate)
        arrived = wait_for_all([receiver], set(sent), limit=600)
        delivered = [arrived[r] - due for r, (due, _) in sent.items() if r in arrived]
        first = min(due for due, _ in sent.values())
        paced = {
            "paced_rate": len(delivered) / (max(arrived[r] for r in sent if r in arrived) - first),
            "ack_p50": statistics.median(a - d for d, a in sent.values()) * 1000,
            "ack_p99": percentile([a - d for d, a in sent.values()], 0.99) * 1000,
            "delivered_p50": statistics.median(delivered), "delivered_p99": percentile(delivered, 0.99),
            "lost": len(set(sent) - arrived.keys()), "failures": len(failures),
        }
        # Flat out.
        start = time.time()
        more, failures = submit(api.port, clients, count=submissions)
        arrived = wait_for_all([receiver], set(more), limit=600)
        last = max(arrived[r] for r in more if r in arrived)
        return {**paced, "rate": len(more) / (last - start), "lost": paced["lost"] + len(set(more) - arrived.keys()),
                "failures": paced["failures"] + len(failures), "ceiling": receiver_ceiling(receiver.url)}
    finally:
        api.stop()
        receiver.stop()


def confirmations(soh, clients, submissions, rate):
    """Reports asking for an email, each also delivered to the receiver. Paced at `rate` a
    second: confirmations per second and submit-to-message p50/p99. Then a backlog: the relay
    away while `submissions` more reports come in flat out, then back on the same port:
    confirmations per second until the last, with nothing else to do (the sending rate)."""
    receiver, relay = ReceiverProcess(), RelayProcess()
    api = API(soh, receiver.url, relay=relay)
    try:
        sent, failures = submit(api.port, clients, count=submissions, rate=rate, answers=WITH_RECEIPT)
        messages = wait_for_all([relay], set(sent), limit=600)
        first = min(due for due, _ in sent.values())
        waited = [messages[r] - due for r, (due, _) in sent.items() if r in messages]
        paced = {"paced_rate": len(waited) / (max(messages[r] for r in sent if r in messages) - first),
                 "p50": statistics.median(waited), "p99": percentile(waited, 0.99)}
        wait_for_all([receiver], set(sent), limit=600)

        relay.stop()
        more, refused = submit(api.port, clients, count=submissions, answers=WITH_RECEIPT)
        wait_for_all([receiver], set(more), limit=600)
        relay.start(port=relay.port)
        back = time.time()
        arrived = wait_for_all([relay], set(sent) | set(more), limit=600)
        drained = max(arrived[r] for r in more if r in arrived)
        reports = wait_for_all([receiver], set(sent) | set(more), limit=600)
        everything = set(sent) | set(more)
        return {**paced, "drain_rate": len(set(more) & arrived.keys()) / (drained - back), "messages": relay.messages,
                "lost": len(everything - arrived.keys()) + len(everything - reports.keys()),
                "failures": len(failures) + len(refused), "ceiling": relay.ceiling()}
    finally:
        api.stop()
        relay.stop()
        receiver.stop()


def outage(soh, clients, seconds):
    first = ReceiverProcess()
    api = API(soh, first.url)
    second = None
    try:
        # A few seconds of normal load, the receiver stopped for the outage under load, then back.
        before, _ = submit(api.port, clients, until=time.time() + 5)
        first.stop()
        down, failures = submit(api.port, clients, until=time.time() + seconds)
        sent = {**before, **down}
        stored_before = first.arrived()
        backlog = len(set(sent) - stored_before.keys())
        second = ReceiverProcess(port=first.port)
        back = time.time()
        arrived = wait_for_all([first, second], set(sent), limit=1800)
        drained = max((arrived[r] for r in sent if r in arrived and r not in stored_before), default=back)
        return {"sent": len(sent), "backlog": backlog, "drain_seconds": drained - back,
                "drain_rate": backlog / max(drained - back, 1e-9), "lost": len(set(sent) - arrived.keys()),
                "failures": len(failures)}
    finally:
        api.stop()
        for r in (first, second):
            if r and r.process.poll() is None:
                r.stop()


def repeat(times, measure, describe):
    """Runs `measure` `times` times, printing each run; returns the runs and each figure's median."""
    runs = []
    for i in range(times):
        runs.append(measure())
        print(f"run {i + 1}: {describe(runs[-1])}", flush=True)
    return runs, {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("soh")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--submissions", type=int, default=3000)
    ap.add_argument("--rate", type=float, default=300)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--outage", type=float, default=60)
    a = ap.parse_args()

    runs, m = repeat(a.runs, lambda: healthy(a.soh, a.clients, a.submissions, a.rate), lambda run: (
        f"at {a.rate:.0f}/s: submit-to-201 p50 {run['ack_p50']:.1f} ms p99 {run['ack_p99']:.1f} ms, "
        f"submit-to-delivered p50 {run['delivered_p50'] * 1000:.0f} ms p99 {run['delivered_p99'] * 1000:.0f} ms, "
        f"{run['paced_rate']:.0f} delivered/s; flat out: {run['rate']:.0f} delivered/s; "
        f"receiver alone {run['ceiling']:.0f}/s; lost {run['lost']}, refused {run['failures']}"))
    print(f"healthy (median of {a.runs}), {a.submissions} reports from {a.clients} clients:")
    print(f"  at {a.rate:.0f} reports/s: submit-to-201 p50 {m['ack_p50']:.1f} ms, p99 {m['ack_p99']:.1f} ms; "
          f"submit-to-delivered p50 {m['delivered_p50'] * 1000:.0f} ms, p99 {m['delivered_p99'] * 1000:.0f} ms")
    print(f"  flat out: {m['rate']:.0f} deliveries/s; the receiver alone takes {m['ceiling']:.0f}/s "
          f"(delivered/receiver = {m['rate'] / m['ceiling']:.2f})")

    mail, c = repeat(a.runs, lambda: confirmations(a.soh, a.clients, a.submissions, a.rate), lambda run: (
        f"at {a.rate:.0f} reports/s asking for an email: {run['paced_rate']:.0f} confirmations/s, submit-to-message "
        f"p50 {run['p50'] * 1000:.0f} ms p99 {run['p99'] * 1000:.0f} ms; a backlog of {a.submissions} sent at {run['drain_rate']:.0f}/s; "
        f"the relay alone {run['ceiling']:.0f}/s; {run['messages']} messages, lost {run['lost']}, refused {run['failures']}"))
    print(f"confirmations (median of {a.runs}), each report also delivered to the receiver:")
    print(f"  at {a.rate:.0f} reports/s: {c['paced_rate']:.0f} confirmations/s, submit-to-message p50 {c['p50'] * 1000:.0f} ms, "
          f"p99 {c['p99'] * 1000:.0f} ms")
    print(f"  a backlog (the relay back after {a.submissions} reports): {c['drain_rate']:.0f} confirmations/s; the relay alone takes "
          f"{c['ceiling']:.0f}/s from smtplib (sent/relay = {c['drain_rate'] / c['ceiling']:.2f})")

    down = outage(a.soh, a.clients, a.outage)
    print(f"outage of {a.outage:.0f} s under {a.clients} clients: {down['sent']} reports acknowledged, backlog {down['backlog']} "
          f"when the receiver returned, drained in {down['drain_seconds']:.1f} s ({down['drain_rate']:.0f}/s), lost {down['lost']}")
    lost = sum(run["lost"] for run in runs + mail) + down["lost"]
    met = m["rate"] >= 300 and m["delivered_p99"] < 2 and down["drain_rate"] >= 300 and c["drain_rate"] >= 300 and lost == 0
    print("targets (>= 300 deliveries/s, p99 submit-to-delivered < 2 s when healthy, backlog drained at >= 300/s, "
          ">= 300 confirmations/s, 0 lost): "
          + ("met" if met else "NOT met"))


if __name__ == "__main__":
    main()
