"""Answers are sealed where they are stored: the real `soh api`, `soh api keygen`,
`soh api rotate-key` and `soh submissions export`, with hostile keys (docs/privacy.md).
"""
import concurrent.futures
import glob
import hashlib
import http.client
import json
import os
import sqlite3
import stat
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from receiver import Receiver
from test_delivery import API, ROOT, SOH, TOKEN, config, wait_for

SECRET = "my neighbour follows me home every night"


def answers():
    return {"think-stolen": "no", "item-type": "keys", "item-description": SECRET,
            "lost-date": {"day": "2", "month": "3", "year": "2026"}, "lost-place": "High Street",
            "full-name": "Sam Jones", "email": "sam@example.com",
            "home-address": {"line1": "1 High Street", "town": "Maidstone", "postcode": "ME14 1XX"}, "confirm": "yes"}


def database_bytes(api):
    data = b""
    for path in glob.glob(api.db + "*"):
        with open(path, "rb") as f:
            data += f.read()
    return data


def run(*arguments, env):
    return subprocess.run([SOH, *arguments], capture_output=True, text=True, env=env, timeout=60)


def test_without_keys_or_with_a_bad_keys_file_nothing_starts():
    work = tempfile.mkdtemp(prefix="soh-keys-")
    env = {k: v for k, v in os.environ.items() if k != "SOH_ANSWERS_KEYS"}
    db = os.path.join(work, "s.sqlite")
    missing = run("api", "--root", ROOT, "--port", "0", "--db", db, env=env)
    assert missing.returncode == 1
    assert "no keys to seal the answers with" in missing.stderr and "soh api keygen" in missing.stderr
    assert not os.path.exists(db), "nothing is created before the keys are known"
    bad = os.path.join(work, "bad.keys")
    for text, line, message in [
        ("# keys\nk1:" + "A" * 43 + "=\nnot a key\n", 3, "a key is written ID:KEY"),
        ("k1:c2hvcnQ=\n", 1, "is not 32 bytes in base64"),
        ("k1:" + "A" * 43 + "=\nk1:" + "Q" * 43 + "=\n", 2, "the id 'k1' is given twice"),
        ("# only a comment\n", 0, "there is no key in it"),
    ]:
        with open(bad, "w") as f:
            f.write(text)
        os.chmod(bad, 0o600)
        result = run("api", "--root", ROOT, "--port", "0", "--db", db, "--answers-keys", bad, env=env)
        assert result.returncode == 1, text
        place = f"{bad}:{line}" if line else bad
        assert result.stderr.startswith(f"{place}: error: ") and message in result.stderr, result.stderr
        # The key itself is never printed.
        assert "A" * 43 not in result.stderr and "Q" * 43 not in result.stderr
    # A good keys file that others can read is refused, as ssh refuses such a private key.
    good = os.path.join(work, "open.keys")
    assert run("api", "keygen", "--out", good, env=os.environ).returncode == 0
    for mode in (0o644, 0o640, 0o604, 0o620):
        os.chmod(good, mode)
        result = run("api", "--root", ROOT, "--port", "0", "--db", db, "--answers-keys", good, env=env)
        assert result.returncode == 1, oct(mode)
        assert result.stderr.startswith(f"{good}: error: ") and f"chmod 600 {good}" in result.stderr and f"mode 0{mode:o}" in result.stderr, result.stderr
        assert not os.path.exists(db)


def test_answers_are_sealed_and_a_rotated_key_takes_over():
    receiver = Receiver()
    work = tempfile.mkdtemp(prefix="soh-keys-")
    keys = os.path.join(work, "answers.keys")
    made = run("api", "keygen", "--out", keys, "--id", "first", env=os.environ)
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(os.stat(keys).st_mode) == 0o600
    api = API(config(receiver), arguments=["--answers-keys", keys])
    try:
        references = [api.post("lost-property", answers()) for _ in range(5)]
        assert api.submission(references[0])["answers"]["item-description"] == SECRET
        assert SECRET.encode() not in database_bytes(api), "the answers are not in the database in clear"

        # Another key under the same id opens nothing: the force's read is an error, not an empty answer.
        other = os.path.join(work, "other.keys")
        assert run("api", "keygen", "--out", other, "--id", "first", env=os.environ).returncode == 0
        exported = api.soh("submissions", "export", "--force", "kent", "--answers-keys", other)
        assert exported.returncode != 0 and references[0] in exported.stderr, exported.stderr
        assert SECRET not in exported.stdout

        # A new key: new answers are sealed with it at once; rotate-key seals the rest, resumably.
        added = run("api", "keygen", "--out", keys, "--id", "second", env=os.environ)
        assert added.returncode == 0 and "rotate-key" in added.stdout, added.stdout
        with open(keys) as f:
            lines = [line for line in f.read().splitlines() if line and not line.startswith("#")]
        assert [line.split(":")[0] for line in lines] == ["second", "first"]
        api.restart()
        references.append(api.post("lost-property", answers()))
        rotated = api.soh("api", "rotate-key", "--answers-keys", keys, "--batch", "2")
        assert rotated.returncode == 0, rotated.stderr
        assert "5 submissions sealed again with 'second'" in rotated.stdout, rotated.stdout
        again = api.soh("api", "rotate-key", "--answers-keys", keys)
        assert again.returncode == 0 and "0 submissions sealed again" in again.stdout, again.stdout

        # The old key can go: every answer opens with the new one alone.
        only = os.path.join(work, "only.keys")
        with open(only, "w") as f:
            f.write(lines[0] + "\n")
        os.chmod(only, 0o600)
        exported = api.soh("submissions", "export", "--force", "kent", "--answers-keys", only)
        assert exported.returncode == 0, exported.stderr
        assert exported.stdout.count(SECRET) == len(references)
        assert SECRET.encode() not in database_bytes(api)
    finally:
        api.stop()
        receiver.close()


def test_a_tokens_file_with_a_mistake_stops_the_api():
    work = tempfile.mkdtemp(prefix="soh-tokens-")
    tokens = os.path.join(work, "tokens")
    good = "a" * 64
    env = {k: v for k, v in os.environ.items() if k != "SOH_API_TOKENS"}
    for text, line, message in [
        (f"# forces\nkent {good}\ngwent deadbeef\n", 3, "the token of 'gwent' should be its SHA-256 in 64 hex digits"),
        (f"kent {good}\natlantis {good}\n", 2, "'atlantis' is not a force of this site"),
        (f"kent {good}\nkent {'b' * 64}\n", 2, "'kent' is given a token twice"),
        (f"kent {good} extra\n", 1, "a line is a force and its token's SHA-256"),
    ]:
        with open(tokens, "w") as f:
            f.write(text)
        result = run("api", "--root", ROOT, "--port", "0", "--db", os.path.join(work, "s.sqlite"), "--tokens", tokens, env=env)
        assert result.returncode == 1, text
        assert result.stderr.startswith(f"{tokens}:{line}: error: {message}"), result.stderr
    result = run("api", "--root", ROOT, "--port", "0", "--db", os.path.join(work, "s.sqlite"), env=dict(env, SOH_API_TOKENS="kent=nothex"))
    assert result.returncode == 1 and result.stderr.startswith("SOH_API_TOKENS: error: the token of 'kent'"), result.stderr


def test_ten_thousand_failed_token_checks_are_limited_and_the_server_stays_healthy():
    """10,000 wrong tokens: from one address they are refused with 429 after ten; from
    thousands of forged addresses (through a trusted proxy) each gets its 401s, the limiter's
    memory stays bounded, and the server goes on answering the force's real token."""
    receiver = Receiver()
    api = API(config(receiver), arguments=["--trusted-proxy", "127.0.0.1"])
    try:
        host = urllib.parse.urlparse(api.url)

        def attempts(first, count, same_address):
            connection = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
            statuses = []
            for i in range(first, first + count):
                address = "203.0.113.7" if same_address else f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"
                connection.request("GET", "/v1/forces/kent/submissions",
                                   headers={"Authorization": f"Bearer guess-{i}", "X-Forwarded-For": address})
                response = connection.getresponse()
                response.read()
                statuses.append(response.status)
            connection.close()
            return statuses

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            one = [s for part in pool.map(lambda n: attempts(n * 250, 250, True), range(8)) for s in part]
            many = [s for part in pool.map(lambda n: attempts(n * 1000, 1000, False), range(8)) for s in part]
        assert len(one) + len(many) == 10_000
        assert one.count(401) == 10 and one.count(429) == 1990, {s: one.count(s) for s in set(one)}
        assert set(many) == {401}, {s: many.count(s) for s in set(many)}
        with open(f"/proc/{api.process.pid}/status") as f:
            rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        assert rss < 300_000, f"{rss} kB after 10,000 failed checks"
        status, _ = get_json(api.url + "/healthz")
        assert status == 200
        status, body = get_json(api.url + "/v1/forces/kent/submissions", {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200 and body["submissions"] == []
    finally:
        api.stop()
        receiver.close()


def get_json(url, headers=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_answers_are_purged_after_delivery_and_the_rest_is_kept():
    receiver = Receiver()
    api = API(config(receiver), arguments=["--retain-days", "0"])
    try:
        reference = api.post("lost-property", answers())
        assert wait_for(lambda: api.submission(reference)["deliveries"][0]["state"] == "delivered")
        dry = api.soh("submissions", "purge", "--retain-days", "0", "--dry-run")
        assert dry.returncode == 0 and "would purge the answers of 1 submission" in dry.stdout, dry.stdout + dry.stderr
        assert api.submission(reference)["answers"]["item-description"] == SECRET, "a dry run purges nothing"
        # soh api purges at start, then every hour.
        api.restart()
        assert wait_for(lambda: "purgedAt" in api.submission(reference))
        kept = api.submission(reference)
        assert kept["answers"] == {} and kept["reference"] == reference and kept["form"] == "lost-property"
        assert kept["deliveries"][0]["state"] == "delivered", "the delivery outcome is kept"
        again = api.soh("submissions", "purge", "--retain-days", "0")
        assert again.returncode == 0 and "purged the answers of 0 submissions" in again.stdout, again.stdout
        exported = api.soh("submissions", "export", "--force", "kent")
        assert exported.returncode == 0 and json.loads(exported.stdout)["purgedAt"] == kept["purgedAt"], exported.stderr
        bad = api.soh("submissions", "purge", "--retain-days", "40", "--retain-max-days", "30")
        assert bad.returncode != 0 and "cannot be shorter than --retain-days" in bad.stderr, bad.stderr
    finally:
        api.stop()
        receiver.close()


def test_every_read_and_export_is_in_the_audit_log_and_an_edit_is_found():
    receiver = Receiver()
    api = API(config(receiver))
    try:
        reference = api.post("lost-property", answers())
        api.submission(reference)
        status, _ = get_json(api.url + "/v1/forces/kent/submissions", {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200
        assert api.soh("submissions", "export", "--force", "kent").returncode == 0
        status, page = get_json(api.url + "/v1/forces/kent/audit", {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200, page
        entries = page["entries"]
        assert [e["action"] for e in entries] == ["read", "list", "export"], entries
        assert entries[0]["target"] == reference and entries[1]["target"] == reference
        token_id = "kent:" + hashlib.sha256(TOKEN.encode()).hexdigest()[:8]
        assert entries[0]["actor"] == token_id and TOKEN not in json.dumps(page), "the token's id, never the token"
        assert entries[0]["address"] == "127.0.0.1" and entries[2]["actor"].startswith("operator:")
        # Another force's token sees none of Kent's entries.
        status, _ = get_json(api.url + "/v1/forces/gwent/audit", {"Authorization": f"Bearer {TOKEN}"})
        assert status == 401

        verified = api.soh("audit", "verify")
        assert verified.returncode == 0 and "3 entries, the chain intact" in verified.stdout, verified.stdout + verified.stderr
        with sqlite3.connect(api.db) as db:
            db.execute("UPDATE audit SET target = 'KEN-NOTHING-HERE' WHERE id = 2")
        tampered = api.soh("audit", "verify")
        assert tampered.returncode == 1 and "the chain breaks at entry 2" in tampered.stderr, tampered.stderr
    finally:
        api.stop()
        receiver.close()
