"""The API at national scale: several `soh api` processes on one real PostgreSQL server, one of
them killed, the database restarted under load, instances drained on SIGTERM, clients behind a
load balancer, a pilot's SQLite moved to PostgreSQL. Reports are counted by the reference
receiver (receiver.py), which follows the published contract on its own.
"""
import concurrent.futures
import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from postgres import Postgres, free_port
from receiver import Receiver
from test_delivery import API, SOH, ROOT, TOKEN, config, wait_for

FOUND = {"item-type": "keys", "item-description": "Three keys on a red fob", "think-stolen": "no",
         "lost-date": {"day": "2", "month": "3", "year": "2026"}, "lost-place": "Number 8 bus, Maidstone",
         "full-name": "Sam Jones", "email": "sam@example.com",
         "home-address": {"line1": "1 High Street", "town": "Maidstone", "postcode": "ME14 1XX"}, "confirm": "yes"}


@pytest.fixture(scope="module")
def server():
    pg = Postgres()
    yield pg
    pg.remove()


@pytest.fixture
def database(server):
    return server.create("t" + uuid.uuid4().hex[:12])


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def post(url, key, force="kent", answers=FOUND, headers=None, timeout=10):
    """(status, JSON body, headers) of posting the found-property report under `key`."""
    body = json.dumps({"form": "lost-property", "version": 1, "language": "en", "answers": answers}).encode()
    request = urllib.request.Request(f"{url}/v1/forces/{force}/forms/lost-property/submissions", data=body, method="POST",
                                     headers={"Content-Type": "application/json", "Idempotency-Key": key, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.load(response), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}"), error.headers


def get(url, path, headers=None):
    request = urllib.request.Request(url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def stored(server, database_url):
    """idempotency key -> reference of every stored submission."""
    name = urllib.parse.urlparse(database_url).path.lstrip("/")
    return {key: reference for key, reference in server.sql(name, "SELECT idempotency_key, reference FROM submission")}


def test_two_instances_share_one_database_and_each_report_is_delivered_once(server, database, receiver):
    a = API(config(receiver), database=database)
    b = API(config(receiver), database=database)
    try:
        # 32 clients, each sending to both instances in turn.
        acknowledged = {}
        lock = threading.Lock()

        def client(n):
            for i in range(10):
                key = f"client-{n}-{i}"
                status, body, _ = post((a, b)[(n + i) % 2].url, key)
                assert status == 201, body
                with lock:
                    acknowledged[key] = body["reference"]

        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            list(pool.map(client, range(32)))
        # The same key sent to both instances at the same moment: one row, one reference.
        for round in range(20):
            key = f"race-{round}"
            barrier = threading.Barrier(2)

            def race(api):
                barrier.wait()
                return post(api.url, key)

            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                answers = list(pool.map(race, (a, b)))
            assert [status for status, _, _ in answers] == [201, 201], answers
            assert answers[0][1]["reference"] == answers[1][1]["reference"]
            acknowledged[key] = answers[0][1]["reference"]
        rows = stored(server, database)
        assert rows == acknowledged, "every acknowledged submission is stored once, under its key"
        # Both workers lease from the one outbox: every delivery reaches the force once.
        assert wait_for(lambda: len(receiver.references()) == len(acknowledged), timeout=60), len(receiver.references())
        assert receiver.problems == []
        assert set(receiver.references()) == set(acknowledged.values())
        assert all(count == 1 for count in receiver.references().values()), "a delivery attempted by two workers"
        with receiver.lock:
            assert len(receiver.reports) == len(acknowledged)
    finally:
        a.stop()
        b.stop()


def test_an_instance_killed_mid_run_loses_nothing_that_was_acknowledged(server, database, receiver):
    # A short timeout keeps the killed worker's leases short (2 x 1 s + 30 s).
    a = API(config(receiver, timeout="1s", retry="[1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s]"), database=database)
    b = API(config(receiver, timeout="1s", retry="[1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s]"), database=database)
    receiver.late = 0.2  # deliveries are in flight when B dies
    try:
        acknowledged, lock, killed = {}, threading.Lock(), threading.Event()

        def client(n):
            for i in range(12):
                key = f"client-{n}-{i}"
                # A load balancer's retry: on an error from one instance, the same key to the other.
                for api in ((b, a) if (n + i) % 2 else (a, b)):
                    try:
                        status, body, _ = post(api.url, key, timeout=5)
                    except (urllib.error.URLError, ConnectionError, http.client.HTTPException, socket.timeout):
                        continue
                    if status == 201:
                        with lock:
                            acknowledged[key] = body["reference"]
                        break
                else:
                    raise AssertionError(f"{key} was refused by both instances")
                if n == 0 and i == 4:
                    b.kill()
                    killed.set()

        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            list(pool.map(client, range(32)))
        assert killed.is_set()
        rows = stored(server, database)
        assert len(acknowledged) == 32 * 12
        for key, reference in acknowledged.items():
            assert rows.get(key) == reference, f"{key} acknowledged as {reference}, stored as {rows.get(key)}"
        assert len(rows) == len(acknowledged), "a submission stored without its client knowing, under another key"
        # The survivor sends everything, the killed worker's leases once they expire. A report the
        # killed worker was sending may arrive twice, under the same delivery id (at least once).
        assert wait_for(lambda: set(receiver.references()) == set(acknowledged.values()), timeout=90), \
            len(set(acknowledged.values()) - set(receiver.references()))
        assert receiver.problems == []
        with receiver.lock:
            assert len(receiver.reports) == len(acknowledged), "one delivery id per report"
    finally:
        a.stop()
        b.stop()


def test_a_worker_is_woken_by_a_report_stored_by_another_instance(server, database, receiver):
    # A only takes reports; B only sends. B polls every 5 s: LISTEN/NOTIFY wakes it at once.
    a = API(config(receiver), database=database, arguments=["--no-worker"])
    b = API(config(receiver), database=database)
    try:
        time.sleep(1)  # B is listening
        waits = []
        for i in range(5):
            start = time.time()
            status, body, _ = post(a.url, f"wake-{i}")
            assert status == 201
            assert wait_for(lambda: body["reference"] in receiver.references(), timeout=15)
            waits.append(time.time() - start)
        waits.sort()
        assert waits[2] < 2.5, f"median {waits[2]:.2f} s from submission to delivery: the worker was not woken"
    finally:
        a.stop()
        b.stop()


def test_postgres_restarted_under_load_gives_503_then_recovers_by_itself(server, database, receiver):
    api = API(config(receiver), database=database)
    try:
        outcomes, stop = [], threading.Event()  # (started, key, status, body, Retry-After)
        lock = threading.Lock()

        def client(n):
            i = 0
            while not stop.is_set():
                key, started = f"load-{n}-{i}", time.time()
                try:
                    status, body, headers = post(api.url, key, timeout=15)
                except (urllib.error.URLError, ConnectionError, http.client.HTTPException, socket.timeout) as error:
                    raise AssertionError(f"the API itself failed: {error}")
                with lock:
                    outcomes.append((started, key, status, body, headers.get("Retry-After")))
                i += 1
                time.sleep(0.02)

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            running = [pool.submit(client, n) for n in range(8)]
            time.sleep(1.5)
            server.stop("fast")
            stopped = time.time()
            # Alive (no restart wanted), but not ready: the load balancer stops sending here.
            status, health = get(api.url, "/healthz")
            assert status == 200 and health["database"] == "unreachable" and "deliveries" not in health, health
            status, ready = get(api.url, "/readyz")
            assert status == 503 and "does not answer" in ready["error"], ready
            # Refused at once while it is down (a refused connection is not waited for).
            assert wait_for(lambda: sum(1 for o in list(outcomes) if o[2] == 503 and o[0] > stopped) >= 8, timeout=30)
            server.start()
            restarted = time.time()
            # Until reports sent after the restart are stored again.
            assert wait_for(lambda: sum(1 for o in list(outcomes) if o[0] > restarted + 1 and o[2] == 201) >= 8, timeout=60)
            stop.set()
            for future in running:
                future.result()
        statuses = {status for _, _, status, _, _ in outcomes}
        assert statuses <= {201, 503}, statuses
        refused = [o for o in outcomes if o[2] == 503]
        assert refused, "nothing was refused while the database was down"
        assert all(retry is not None for *_, retry in refused), "503 without Retry-After"
        # Recovered by itself: what was sent a moment after the restart was stored.
        after = [o for o in outcomes if o[0] > restarted + 1]
        assert after and all(o[2] == 201 for o in after), [o[2] for o in after]
        rows = stored(server, database)
        for _, key, status, body, _ in outcomes:
            if status == 201:
                assert rows.get(key) == body["reference"], f"{key} acknowledged but not stored"
        status, ready = get(api.url, "/readyz")
        assert status == 200 and ready["status"] == "ready"
        # Every report stored reaches the force, those refused included if they were stored after all.
        assert wait_for(lambda: set(receiver.references()) == set(rows.values()), timeout=60)
    finally:
        api.stop()


def test_sigterm_drains_finishes_what_is_under_way_then_exits(server, database, receiver):
    api = API(config(receiver), database=database, arguments=["--drain-seconds", "2"])
    try:
        assert get(api.url, "/readyz") == (200, {"status": "ready"})
        host, port = urllib.parse.urlparse(api.url).netloc.split(":")
        # A slow phone: the body arrives over three seconds, across the SIGTERM.
        body = json.dumps({"form": "lost-property", "version": 1, "language": "en", "answers": FOUND}).encode()
        connection = socket.create_connection((host, int(port)))
        connection.sendall((f"POST /v1/forces/kent/forms/lost-property/submissions HTTP/1.1\r\nHost: {host}\r\n"
                            f"Content-Type: application/json\r\nIdempotency-Key: slow-1\r\nContent-Length: {len(body)}\r\n\r\n").encode())
        connection.sendall(body[:50])
        api.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        status, answer = get(api.url, "/readyz")
        assert status == 503 and "draining" in answer["error"]
        assert get(api.url, "/healthz")[0] == 200, "still serving while draining"
        for i in range(0, len(body) - 50, 100):
            time.sleep(0.1)
            connection.sendall(body[50 + i:150 + i])
        reply = connection.recv(4096).decode()
        assert reply.startswith("HTTP/1.1 201"), reply
        connection.close()
        assert api.process.wait(timeout=30) == 0
        with pytest.raises(urllib.error.URLError):
            get(api.url, "/healthz")
    finally:
        api.stop()


def test_client_addresses_come_from_trusted_proxies_only(receiver):
    # One submission a minute per client after a burst of 20: 24 from one client, 4 refused.
    def statuses(arguments, headers_for):
        api = API(config(receiver), arguments=["--rate-limit", "1", *arguments])
        try:
            return [post(api.url, str(uuid.uuid4()), headers=headers_for(i))[0] for i in range(24)]
        finally:
            api.stop()

    # Behind a trusted proxy each client has its own limit, read from X-Forwarded-For...
    assert set(statuses(["--trusted-proxy", "127.0.0.0/8"], lambda i: {"X-Forwarded-For": f"203.0.113.{i}, 127.0.0.1"})) == {201}
    # ...or from Forwarded, where the rightmost hop the proxy saw is the client.
    assert set(statuses(["--trusted-proxy", "127.0.0.1"],
                        lambda i: {"Forwarded": f'for=198.51.100.7, for="[2001:db8:{i:x}::1]:4711"'})) == {201}
    # An IPv6 client is limited by its /64, whichever address in it it uses.
    assert statuses(["--trusted-proxy", "127.0.0.1"], lambda i: {"Forwarded": f'for="[2001:db8::{i:x}]"'}).count(429) == 4
    # A client's own entry on the left is not believed.
    assert statuses(["--trusted-proxy", "127.0.0.1"], lambda i: {"X-Forwarded-For": f"198.51.100.{i}, 203.0.113.9"}).count(429) == 4
    # Without a trusted proxy the headers are ignored: every request is from 127.0.0.1.
    assert statuses([], lambda i: {"X-Forwarded-For": f"203.0.113.{i}"}).count(429) == 4
    # Refused before anything is loaded or opened (the root here does not even exist).
    bad = subprocess.run([SOH, "api", "--trusted-proxy", "10.0.0.0/33", "--root", "/nonexistent"], capture_output=True, text=True)
    assert bad.returncode == 1 and "--trusted-proxy '10.0.0.0/33' is not an address or a network" in bad.stderr, bad


def test_failed_token_checks_are_limited(receiver):
    api = API(config(receiver))
    try:
        statuses = [get(api.url, "/v1/forces/kent/submissions", {"Authorization": f"Bearer guess-{i}"})[0] for i in range(12)]
        assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
        # Even the right token waits: the address is told to stop guessing.
        assert get(api.url, "/v1/forces/kent/submissions", {"Authorization": f"Bearer {TOKEN}"})[0] == 429
    finally:
        api.stop()


def test_database_problems_are_clear_errors(tmp_path):
    secured = Postgres(password="right-password")
    try:
        secured.create("soh")
        cases = [
            ("mysql://soh@127.0.0.1/soh", "a database URL is postgres://"),
            (f"postgres://soh@127.0.0.1:{free_port()}/soh?sslmode=disable", "Connection refused"),
            (secured.url(password="wrong-password"), "password authentication failed"),
            (secured.url("missing"), 'database "missing" does not exist'),
        ]
        for url, expected in cases:
            started = time.time()
            result = subprocess.run([SOH, "api", "migrate", "--database", url], capture_output=True, text=True, timeout=60)
            assert result.returncode == 1, result
            assert expected.lower() in result.stderr.lower(), result.stderr
            assert "wrong-password" not in result.stderr, "a password in an error message"
            assert time.time() - started < 20, f"{url}: took {time.time() - started:.0f} s to fail"
        result = subprocess.run([SOH, "api", "migrate", "--database", secured.url()], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and "applied 12 migrations now (v1: submissions, " in result.stdout, result
        assert "12 migrations in all, none pending (the last: v12: confirmation messages)" in result.stdout, result
        # What this run did, not what the database holds: a second run applies nothing.
        again = subprocess.run([SOH, "api", "migrate", "--database", secured.url()], capture_output=True, text=True, timeout=60)
        assert again.returncode == 0 and "nothing to apply; 12 migrations in all" in again.stdout, again
    finally:
        secured.remove()


def test_a_pilot_moves_from_sqlite_to_postgres_without_sending_anything_twice(server, database, receiver):
    pilot = API(config(receiver))
    try:
        references = [post(pilot.url, f"pilot-{i}")[1]["reference"] for i in range(5)]
        assert wait_for(lambda: len(receiver.references()) == 5)
        receiver.fail_next = 10 ** 6  # the force's system goes down: the next one waits
        waiting = post(pilot.url, "pilot-waiting")[1]["reference"]
        assert wait_for(lambda: pilot.submission(waiting)["deliveries"][0]["attempts"] >= 1)
        pilot.kill()
        export = pilot.soh("submissions", "export", "--force", "kent")
        assert export.returncode == 0, export.stderr
        lines = export.stdout.splitlines()
        assert len(lines) == 6 and all(json.loads(line)["deliveries"] for line in lines)
        imported = subprocess.run([SOH, "submissions", "import", "--force", "kent", "--database", database],
                                  input=export.stdout, capture_output=True, text=True)
        assert imported.returncode == 0 and "6 submissions added, 0 already there" in imported.stdout, imported
        again = subprocess.run([SOH, "submissions", "import", "--force", "kent", "--database", database],
                               input=export.stdout, capture_output=True, text=True)
        assert "0 submissions added, 6 already there" in again.stdout, again
        # A damaged export imports nothing and says which line.
        bad = subprocess.run([SOH, "submissions", "import", "--force", "kent", "--database", database],
                             input=lines[0] + "\n{\"reference\": 1}\n", capture_output=True, text=True)
        assert bad.returncode == 1 and "line 2" in bad.stderr, bad
        # On PostgreSQL: the delivered ones stay delivered, the waiting one is sent, once.
        receiver.fail_next = 0
        api = API(config(receiver), database=database)
        try:
            assert wait_for(lambda: waiting in receiver.references(), timeout=30)
            time.sleep(1)
            assert receiver.references() == {reference: 1 for reference in references + [waiting]}
            for reference in references:
                deliveries = api.submission(reference)["deliveries"]
                assert deliveries[0]["state"] == "delivered" and deliveries[0]["forceReference"].startswith("FR/")
        finally:
            api.stop()
    finally:
        pilot.stop()
