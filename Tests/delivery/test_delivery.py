"""Reports reach the force's system: the real `soh api` with its delivery worker, sending to a
reference receiver written from the contract (receiver.py), with faults injected.

Each test starts its own API (its own database and deliveries file) on a free port.
"""
import base64
import concurrent.futures
import glob
import hashlib
import json
import os
import pathlib
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest

from postgres import free_port
from receiver import Receiver, submission

# `soh api`, `soh deliver` and `soh submissions` seal answers with a key and do not start
# without one: every command these tests run (here and in the modules that import this one)
# inherits this run's key through SOH_ANSWERS_KEYS (docs/privacy.md). Not in a conftest.py:
# pytest runs the browser tests in the same session, whose conftest has that module name.
os.environ["SOH_ANSWERS_KEYS"] = "test:" + base64.b64encode(os.urandom(32)).decode()

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SOH = os.environ.get("SOH_BINARY", os.path.join(ROOT, ".build", "debug", "soh"))
FORMS = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(ROOT, "content", "forms", "*.yml")))
TOKEN = "kent-delivery-token"
SECRET_OLD = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SECRET_NEW = "whsec_" + "QkVlT1pHTDh2c0lYeWp6S0RBRkxjQ0k5"


def wait_for(condition, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if condition():
            return True
        time.sleep(0.1)
    return False


class API:
    """`soh api` with a deliveries file, on a free port; `restart` keeps the database. Its own
    SQLite file, or the PostgreSQL database at `database` (a URL) shared with other instances."""

    def __init__(self, deliveries, env=None, database=None, arguments=()):
        self.dir = tempfile.mkdtemp(prefix="soh-delivery-")
        self.db = os.path.join(self.dir, "submissions.sqlite")
        self.place = ["--database", database] if database else ["--db", self.db]
        self.arguments = list(arguments)
        self.file = os.path.join(self.dir, "deliveries.yml")
        with open(self.file, "w") as f:
            f.write(deliveries)
        self.env = dict(os.environ, KENT_API_KEY="test-api-key", WEBHOOK_OLD=SECRET_OLD, WEBHOOK_NEW=SECRET_NEW,
                        SOH_API_TOKENS="kent=" + hashlib.sha256(TOKEN.encode()).hexdigest())
        self.env.update(env or {})
        self.start()

    def start(self, *extra):
        # Its log goes to a file: a pipe nobody reads fills up and stops the API when it logs.
        self.log = os.path.join(self.dir, "api.log")
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [SOH, "api", "--root", ROOT, "--port", "0", *self.place, "--rate-limit", "0", "--read-rate-limit", "0", "--deliveries", self.file,
                 "--drain-seconds", "0", *self.arguments, *extra],
                stdout=subprocess.PIPE, stderr=log, env=self.env, text=True)
        for line in self.process.stdout:
            if "listening on http://" in line:
                self.url = line.strip().split(" ")[-1]
                threading.Thread(target=self.process.stdout.read, daemon=True).start()
                return
        with open(self.log) as log:
            raise AssertionError("soh api did not start: " + log.read())

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def restart(self):
        self.kill()
        self.start()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError("soh api did not stop within 20 s of SIGTERM")

    def post(self, form, answers, language="en", force="kent", whole=False):
        """The reference of the stored report (or the whole 201 body)."""
        body = json.dumps({"form": form, "version": definition(form)["version"], "language": language, "answers": answers}).encode()
        request = urllib.request.Request(f"{self.url}/v1/forces/{force}/forms/{form}/submissions", data=body, method="POST",
                                         headers={"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
            result = json.load(response)
            return result if whole else result["reference"]

    def submission(self, reference, force="kent", token=TOKEN):
        request = urllib.request.Request(f"{self.url}/v1/forces/{force}/submissions/{reference}",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def soh(self, *arguments):
        return subprocess.run([SOH, *arguments, *self.place], capture_output=True, text=True, env=self.env)


def definition_file(form):
    found = glob.glob(os.path.join(ROOT, ".build", "test-public", "kent", "assets", "forms", f"{form}.*.json"))
    assert found, "build the sites first (make test does)"
    return found[0]


def definition(form):
    with open(definition_file(form)) as f:
        return json.load(f)


def sample(form, force="kent"):
    """Valid answers; a question of where it happened is answered with an area of `force`."""
    with open(definition_file(form)) as f:
        out = subprocess.run(["node", os.path.join(os.path.dirname(__file__), "sample-answers.mjs"), force], stdin=f,
                             capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def config(receiver, extra="", retry="[1s, 1s, 1s, 1s, 1s]", timeout="30s"):
    return f"""
allowInsecure: true
retry: {{schedule: {retry}, jitter: 0}}
timeout: {timeout}
forces:
  kent:
    - name: athena
      kind: standard-api
      url: {receiver.url}
      apiKey: {{env: KENT_API_KEY}}
{extra}  south-wales:
    - name: niche
      kind: standard-api
      url: {receiver.url}
      apiKey: {{env: KENT_API_KEY}}
"""


@pytest.fixture
def receiver():
    r = Receiver(webhook_secrets=[SECRET_OLD])
    yield r
    r.close()


def test_every_form_in_english_and_welsh_reaches_the_force(receiver):
    api = API(config(receiver))
    try:
        references = {}
        for form in FORMS:
            # English to Kent; Welsh to South Wales, which publishes Welsh; each about its own area.
            for language, force in (("en", "kent"), ("cy", "south-wales")):
                references[api.post(form, sample(form, force), language=language, force=force)] = (form, language, force)
        assert wait_for(lambda: len(receiver.references()) == len(references)), receiver.requests[-5:]
        assert receiver.problems == []
        assert all(count == 1 for count in receiver.references().values())
        for document in receiver.reports.values():
            attributes = submission(document)["attributes"]
            form, language, force = references[attributes["customerReferenceNumber"]]
            assert attributes["category"] == form and attributes["language"] == language
            assert attributes["forceIdentifier"] == force
            assert "Reference: " + attributes["customerReferenceNumber"] in attributes["submissionContent"]
        # The force's own reference comes back to the force's read endpoint.
        reference = next(r for r, (_, _, force) in references.items() if force == "kent")
        assert wait_for(lambda: api.submission(reference)["deliveries"][0]["state"] == "delivered")
        delivery = api.submission(reference)["deliveries"][0]
        assert delivery["forceReference"].startswith("FR/") and delivery["attempts"] == 1
    finally:
        api.stop()


COLLISION = {
    "urgent": "no",
    "collision-date": {"day": "2", "month": "3", "year": "2026"}, "collision-time": "2:30pm",
    "collision-location": "A20 London Road, West Malling, by the Tesco roundabout",
    "collision-description": "A van pulled out of the junction into my car.",
    "anyone-injured": "yes", "injured-who": ["me", "pedestrian"], "injury-description": "Whiplash; the cyclist cut a knee.",
    "hospital": "no",
    "vehicles": [{"registration": "ab12 cde", "make-model": "Ford Fiesta", "driver-name": "Sam Taylor"},
                 {"registration": "XY70ABC", "make-model": "Vauxhall Vivaro"}],
    "has-witnesses": "yes",
    "witnesses": [{"witness-name": "Ana de la Cruz", "witness-phone": "+44 7700 900123"}, {"witness-name": "Jo Bloggs"}],
    "full-name": "Sam Taylor", "driver-role": "driver", "email": "sam@example.com", "phone": "07700 900982",
    "home-address": {"line1": "1 High Street", "town": "Maidstone", "postcode": "me14 1xx"}, "confirm": "yes",
}

CRIME = {
    "in-danger": "no", "crime-type": "theft", "area": "maidstone",
    "happened-on": {"day": "1", "month": "11", "year": "2026"}, "happened-at": "09.05",
    "description": "My bike was taken from outside the library.",
    "location": {"line1": "Library, St Faith's Street", "town": "Maidstone", "postcode": "ME14 1LH"},
    "stolen-items": "Blue Raleigh bike, frame number RA123", "stolen-value": "1,250",
    "has-suspect": "yes", "suspects": [{"suspect-description": "Tall, grey hoodie"}, {"suspect-name": "Jay", "suspect-description": "Short, red cap"}],
    "full-name": "Priya Shah", "email": "priya@example.com",
    "home-address": {"line1": "2 Low Road", "line2": "Flat 3", "town": "Maidstone", "postcode": "ME15 6AA"}, "confirm": "yes",
}


def linked(document, entity, relationship):
    """The entities `relationship` of `entity` links to, found in `included`."""
    entities = {(e["id"], e["type"]): e for e in document["included"]}
    links = entity.get("relationships", {}).get(relationship, {"data": []})["data"]
    return [entities[(link["id"], link["type"])] for link in links]


def test_crime_and_collision_reach_the_force_as_pole_entities(receiver):
    api = API(config(receiver))
    try:
        collision = {api.post("road-traffic-collision", dict(COLLISION, area=area), language=language, force=force): language
                     for language, force, area in (("en", "kent", "tonbridge-and-malling"), ("cy", "south-wales", "cardiff"))}
        crime = api.post("crime", CRIME)
        assert wait_for(lambda: len(receiver.references()) == 3), receiver.requests[-5:]
        assert receiver.problems == []
        documents = {submission(d)["attributes"]["customerReferenceNumber"]: d for d in receiver.reports.values()}

        for reference, language in collision.items():
            document = documents[reference]
            incident = document["data"]
            # Coded values and data, not display text, whatever language the person used.
            assert incident["attributes"] == {
                "incidentDescription": "A van pulled out of the junction into my car.",
                "incidentStartDateTime": {"dateFrom": "2026-03-02", "dateTo": "2026-03-02"}, "incidentStartTime": "14:30:00",
                "anyInjuries": True, "injuredParties": ["me", "pedestrian"], "injuryDescription": "Whiplash; the cyclist cut a knee.",
                "anyoneTakenToHospital": False, "incidentAnyWitnesses": True, "incidentInvolvement": "driver"}
            [scene] = linked(document, incident, "incidentLocation")
            assert scene["attributes"] == {"locationDescription": "A20 London Road, West Malling, by the Tesco roundabout"}
            first, second = linked(document, incident, "vehicleInvolved")
            assert first["attributes"] == {"vehicleRegistrationMark": "AB12CDE", "vehicleMakeModel": "Ford Fiesta"}
            assert second["attributes"] == {"vehicleRegistrationMark": "XY70ABC", "vehicleMakeModel": "Vauxhall Vivaro"}
            [driver] = linked(document, first, "driver")
            assert driver["attributes"] == {"fullName": "Sam Taylor", "givenName": ["Sam"], "surname": "Taylor"}
            assert linked(document, second, "driver") == []
            ana, jo = linked(document, incident, "witness")
            assert ana["attributes"]["fullName"] == "Ana de la Cruz" and jo["attributes"] == {"fullName": "Jo Bloggs", "givenName": ["Jo"], "surname": "Bloggs"}
            assert [t["attributes"] for t in linked(document, ana, "personalTelephone")] == [{"telephoneNumber": "07700900123"}]
            assert linked(document, jo, "personalTelephone") == []
            [reporter] = linked(document, incident, "personReporting")
            assert [e["attributes"] for e in linked(document, reporter, "personalEmail")] == [{"emailAddress": "sam@example.com"}]
            assert [t["attributes"] for t in linked(document, reporter, "personalTelephone")] == [{"telephoneNumber": "07700900982"}]
            assert [a["attributes"] for a in linked(document, reporter, "currentAddress")] == [
                {"addressLine1": "1 High Street", "town": "Maidstone", "postcode": "ME14 1XX"}]
            # Nothing is lost: the skeleton still carries every answer, as text and as data.
            attributes = submission(document)["attributes"]
            assert attributes["language"] == language and attributes["answers"]["vehicles"][1]["registration"] == "XY70ABC"
            assert "Ana de la Cruz" in attributes["submissionContent"]

        document = documents[crime]
        incident = document["data"]
        assert incident["attributes"] == {
            "incidentCategory": "theft", "incidentDescription": "My bike was taken from outside the library.",
            "incidentStartDateTime": {"dateFrom": "2026-11-01", "dateTo": "2026-11-01"}, "incidentStartTime": "09:05:00",
            "offenderDetailsKnown": True}
        [stolen] = linked(document, incident, "stolenProperty")
        assert stolen["attributes"] == {"propertyDescription": "Blue Raleigh bike, frame number RA123", "propertyValue": 1250}
        assert linked(document, incident, "damagedProperty") == []
        first, second = linked(document, incident, "suspect")
        assert first["attributes"] == {"physicalDescription": "Tall, grey hoodie"}
        assert second["attributes"] == {"fullName": "Jay", "surname": "Jay", "physicalDescription": "Short, red cap"}
        [scene] = linked(document, incident, "incidentLocation")
        assert scene["attributes"] == {"addressLine1": "Library, St Faith's Street", "town": "Maidstone", "postcode": "ME14 1LH"}
        [reporter] = linked(document, incident, "personReporting")
        assert linked(document, reporter, "personalTelephone") == []  # not given
        assert [a["attributes"]["addressLine2"] for a in linked(document, reporter, "currentAddress")] == ["Flat 3"]
    finally:
        api.stop()


def test_a_receiver_that_is_down_gets_everything_when_it_returns(receiver):
    receiver.fail_next = 12
    receiver.reset_next = 2
    api = API(config(receiver, retry="[1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s]"))
    try:
        answers = sample("lost-property")
        references = [api.post("lost-property", answers) for _ in range(4)]
        assert wait_for(lambda: len(receiver.references()) == 4, timeout=60), receiver.requests
        assert all(count == 1 for count in receiver.references().values())
        shown = api.soh("deliveries", "show", references[0])
        assert shown.returncode == 0, shown.stderr
        assert "delivered" in shown.stdout and ("retry  503" in shown.stdout or "retry  -" in shown.stdout), shown.stdout
        # The force lost a day's reports: sent again by hand, with the same delivery ids.
        period = ["--force", "kent", "--since", "2000-01-01T00:00:00Z", "--until", "2100-01-01T00:00:00Z"]
        dry = api.soh("deliveries", "redeliver", *period, "--dry-run")
        assert dry.stdout.strip() == "4 deliveries would be sent again.", dry.stdout + dry.stderr
        before = len([r for r in receiver.requests if r == ("/incidents", 201)])
        assert api.soh("deliveries", "redeliver", *period).returncode == 0
        assert wait_for(lambda: len([r for r in receiver.requests if r == ("/incidents", 201)]) == before + 4)
        assert all(count == 1 for count in receiver.references().values()), "the receiver recognised each delivery id"
        # What a monitor scrapes: attempts by outcome, the queue, the submit-to-delivered histogram.
        # The receiver counts a 201 as it answers; soh counts it once the answer is back and recorded.
        def scrape():
            with urllib.request.urlopen(f"{api.url}/metrics", timeout=10) as response:
                return dict(line.rsplit(" ", 1) for line in response.read().decode().splitlines() if line and not line.startswith("#"))
        assert wait_for(lambda: float(scrape().get('soh_delivery_attempts_total{outcome="delivered"}', 0)) >= 8), scrape()
        metrics = scrape()
        assert float(metrics['soh_delivery_attempts_total{outcome="delivered"}']) == 8
        assert float(metrics['soh_delivery_attempts_total{outcome="retry"}']) >= 12
        assert float(metrics["soh_delivery_pending"]) == 0 and float(metrics["soh_delivery_dead"]) == 0
        assert float(metrics["soh_delivery_submit_to_delivered_seconds_count"]) == 8
    finally:
        api.stop()


def test_a_business_error_is_dead_at_once_and_can_be_sent_again(receiver):
    api = API(config(receiver))
    try:
        receiver.refuse = "UNKNOWN-PLACE"
        answers = dict(sample("lost-property"), **{"lost-place": "UNKNOWN-PLACE near the bus station"})
        second = api.post("lost-property", answers)
        assert wait_for(lambda: "dead" in api.soh("deliveries", "dead").stdout and second in api.soh("deliveries", "dead").stdout)
        dead = api.soh("deliveries", "dead").stdout
        line = next(l for l in dead.splitlines() if second in l)
        assert "1 attempt" in line, dead
        assert "Unknown location code" in dead
        attempts_400 = [r for r in receiver.requests if r == ("/incidents", 400)]
        # Mended at the force: sent again by hand, delivered.
        receiver.refuse = None
        again = api.soh("deliveries", "retry", line.split()[0])
        assert again.returncode == 0, again.stderr
        # The audit log says whose delivery was sent again: the force reads it in its own entries.
        retried = [l for l in api.soh("audit", "list", "--force", "kent").stdout.splitlines() if "  retry  " in l]
        assert len(retried) == 1 and "  kent  " in retried[0] and line.split()[0] in retried[0], retried
        assert wait_for(lambda: second in receiver.references())
        assert len(attempts_400) >= 1
    finally:
        api.stop()


def hook_and_drop(receiver, drop):
    """Destinations for kent beside its Standard API: the receiver's webhook and a directory."""
    return f"""    - name: hook
      kind: webhook
      url: {receiver.url}/hook
      secrets: [{{env: WEBHOOK_NEW}}, {{env: WEBHOOK_OLD}}]
    - name: drop
      kind: directory
      path: {drop}
"""


def test_webhooks_are_signed_directories_are_written_and_a_fallback_takes_over(receiver, tmp_path):
    drop = tmp_path / "drop"
    extra = "      fallback: drop\n" + hook_and_drop(receiver, drop)
    api = API(config(receiver, extra))
    try:
        answers = sample("lost-property")
        reference = api.post("lost-property", answers)
        # The webhook's signature was checked with Python's hmac against the receiver's older
        # secret: the API signs with both during a rotation.
        assert wait_for(lambda: len(receiver.reports) == 2)
        assert receiver.problems == []
        assert sorted(path for path, status in receiver.requests if status == 201) == ["/hook", "/incidents"]
        # The Standard API refuses the next report: it goes to the directory instead.
        receiver.refuse = "UNKNOWN-PLACE"
        second = api.post("lost-property", dict(answers, **{"lost-place": "UNKNOWN-PLACE"}))
        assert wait_for(lambda: any(drop.glob("*.json")))
        written = json.loads(next(drop.glob("*.json")).read_text())
        assert submission(written)["attributes"]["customerReferenceNumber"] == second
        assert not any(p.name.startswith(".") for p in drop.iterdir()), "no half-written files left"
    finally:
        api.stop()


def test_nothing_acknowledged_is_lost_when_the_api_is_killed(receiver):
    receiver.fail_next = 10 ** 6
    # Enough retries that none runs out while the receiver is down and the API restarts; a 5 s
    # timeout makes the leases of the killed worker expire after 40 s.
    api = API(config(receiver, retry="[" + ", ".join(["2s"] * 60) + "]", timeout="5s"))
    try:
        answers = sample("lost-property")
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            references = list(pool.map(lambda _: api.post("lost-property", answers), range(300)))
        # The backlog is visible to a monitor while the force's system is down.
        with urllib.request.urlopen(f"{api.url}/healthz", timeout=10) as response:
            assert json.load(response)["deliveries"]["pending"] == 300
        # The force's system returns, a little slow; the API is killed while it is sending.
        receiver.fail_next = 0
        receiver.late = 0.02
        assert wait_for(lambda: len(receiver.references()) >= 40)
        api.kill()
        assert len(receiver.references()) < 300, "killed while deliveries were pending"
        api.start()
        # Those the killed worker had leased wait for their lease to expire; none is lost, and a
        # report stored just before the kill is sent again with its delivery id and kept once.
        assert wait_for(lambda: len(receiver.references()) == 300, timeout=150), len(receiver.references())
        assert set(receiver.references()) == set(references)
        assert all(count == 1 for count in receiver.references().values()), "one report per submission"
    finally:
        api.stop()


def test_a_bad_deliveries_file_stops_the_api_with_its_lines(receiver):
    bad = f"""forces:
  kent:
    - name: athena
      kind: standard-api
      url: http://{receiver.url[7:]}
      apiKey: secret-in-clear
  wiltshre:
    - name: x
      kind: directory
      path: relative/path
"""
    api_dir = tempfile.mkdtemp()
    path = os.path.join(api_dir, "deliveries.yml")
    with open(path, "w") as f:
        f.write(bad)
    result = subprocess.run([SOH, "api", "--root", ROOT, "--port", "0", "--deliveries", path, "--check-deliveries"],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{path}:5:12: error: 'url' should be an https:// address" in result.stderr, result.stderr
    assert f"{path}:6:15: error: 'apiKey' should be a set of keys" in result.stderr, result.stderr
    assert f"{path}:7:3: error: unknown force 'wiltshre'" in result.stderr, result.stderr
    assert "nothing was started" in result.stderr


def make_certificates(folder):
    """A CA the force trusts, its server certificate for 127.0.0.1 and our client certificate;
    and a second CA nobody was told about. Made with openssl, as a force's PKI would."""
    def run(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)
    for ca in ("ca", "other-ca"):
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{ca}.key", "-out", f"{ca}.pem", "-days", "2", "-subj", f"/CN=Test {ca}")
    for name, extension in (("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"),
                            ("client", "extendedKeyUsage=clientAuth")):
        with open(os.path.join(folder, f"{name}.ext"), "w") as f:
            f.write(extension + "\n")
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN=soh-{name}")
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext")
    return lambda name: os.path.join(folder, name)


def test_mutual_tls_reaches_the_force_and_a_wrong_ca_is_never_trusted(tmp_path):
    files = make_certificates(str(tmp_path))
    receiver = Receiver(tls=(files("server.pem"), files("server.key"), files("ca.pem")))
    deliveries = f"""
allowInsecure: true
retry: {{schedule: [1s, 1s, 1s, 1s, 1s, 1s], jitter: 0}}
forces:
  kent:
    - name: athena
      kind: standard-api
      url: {receiver.url}
      apiKey: {{env: KENT_API_KEY}}
      tls: {{certificate: {files("client.pem")}, key: {files("client.key")}, ca: {files("ca.pem")}}}
  south-wales:
    - name: niche
      kind: standard-api
      url: {receiver.url}
      apiKey: {{env: KENT_API_KEY}}
      tls: {{certificate: {files("client.pem")}, key: {files("client.key")}, ca: {files("other-ca.pem")}}}
"""
    api = API(deliveries)
    try:
        answers = sample("lost-property")
        trusted = api.post("lost-property", answers)
        untrusted = api.post("lost-property", answers, force="south-wales")
        assert wait_for(lambda: trusted in receiver.references())
        assert receiver.clients and set(receiver.clients) == {"soh-client"}, "the force saw our client certificate"
        # A server whose certificate does not chain to the CA in the file is never sent a report:
        # the attempt fails (the HTTP client keeps trying to connect until its 10 s connect
        # timeout) and is retried, never delivered.
        assert wait_for(lambda: "  retry  -" in api.soh("deliveries", "show", untrusted).stdout, timeout=60)
        assert untrusted not in receiver.references()
        assert "no reply" in api.soh("deliveries", "show", untrusted).stdout
    finally:
        api.stop()
        receiver.close()


def test_a_separate_worker_sends_what_the_api_wrote(receiver):
    api = API(config(receiver))
    worker = None
    try:
        api.kill()
        api.start("--no-worker")
        answers = sample("lost-property")
        references = [api.post("lost-property", answers) for _ in range(3)]
        time.sleep(1.5)
        assert receiver.references() == {}, "the API alone sends nothing"
        worker = subprocess.Popen([SOH, "deliver", "--root", ROOT, "--deliveries", api.file, "--db", api.db], env=api.env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_for(lambda: set(receiver.references()) == set(references))
    finally:
        if worker:
            worker.terminate()
            worker.wait(timeout=20)
        api.stop()


def test_a_destination_on_this_machine_is_refused_unless_allowed(receiver):
    deliveries = f"""
forces:
  kent:
    - name: athena
      kind: standard-api
      url: https://127.0.0.1:{receiver.url.rsplit(':', 1)[1]}
      apiKey: {{env: KENT_API_KEY}}
"""
    api = API(deliveries)
    try:
        reference = api.post("lost-property", sample("lost-property"))
        assert wait_for(lambda: "dead" in api.soh("deliveries", "show", reference).stdout)
        shown = api.soh("deliveries", "show", reference).stdout
        assert "resolves to 127.0.0.1, on this machine or a private network" in shown, shown
        assert receiver.requests == [], "nothing was sent"
    finally:
        api.stop()


def test_a_receiver_answering_garbage_is_retried_and_nothing_is_counted_twice(receiver):
    receiver.garbage_next = 3
    api = API(config(receiver))
    try:
        reference = api.post("lost-property", sample("lost-property"))
        assert wait_for(lambda: reference in receiver.references())
        shown = api.soh("deliveries", "show", reference).stdout
        assert shown.count("  retry  -") == 3 and "delivered  201" in shown, shown
        assert receiver.references()[reference] == 1
    finally:
        api.stop()


def test_slow_replies_are_cut_off_at_the_timeout_and_the_report_counted_once(receiver):
    """The force stores the report but answers after the timeout (or sends its answer a byte at
    a time): the attempt is given up and retried with the same delivery id, and the force, which
    de-duplicates on it, has the report once."""
    api = API(config(receiver, timeout="2s", retry="[1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s]"))
    try:
        answers = sample("lost-property")
        for fault, value in (("late", 3.0), ("trickle", 0.3)):
            setattr(receiver, fault, value)
            reference = api.post("lost-property", answers)
            # Stored by the force on the first attempt, though soh never heard it say so.
            assert wait_for(lambda: reference in receiver.references())
            assert wait_for(lambda: "no complete reply within 2 s" in api.soh("deliveries", "show", reference).stdout), fault
            setattr(receiver, fault, 0.0)
            assert wait_for(lambda: api.submission(reference)["deliveries"][0]["state"] == "delivered"), fault
            delivery = api.submission(reference)["deliveries"][0]
            assert delivery["attempts"] >= 2 and delivery["forceReference"].startswith("FR/"), delivery
            assert receiver.references()[reference] == 1, fault
        assert receiver.problems == []
    finally:
        api.stop()


def test_a_refused_connection_ends_the_attempt_at_once(receiver):
    """The force's system is down and its port refuses connections: each attempt ends at once
    with the reason (not at the end of the 10 s it may take to connect), so an outage is retried
    on schedule and the drain starts as soon as it is back."""
    closed = f"http://127.0.0.1:{free_port()}"
    api = API(config(receiver, timeout="10s").replace(f"url: {receiver.url}", f"url: {closed}", 1))
    try:
        reference = api.post("lost-property", sample("lost-property"))
        started = time.time()
        assert wait_for(lambda: api.submission(reference)["deliveries"][0]["attempts"] >= 3, timeout=9), \
            api.soh("deliveries", "show", reference).stdout
        assert time.time() - started < 9
        shown = api.soh("deliveries", "show", reference).stdout
        attempts = [line.split() for line in shown.splitlines() if line.startswith("    ") and " retry " in line]
        assert len(attempts) >= 3, shown
        assert all(int(fields[3]) < 2000 for fields in attempts), shown  # time, outcome, status, milliseconds
        assert "refused" in shown.lower(), shown
    finally:
        api.stop()


WALES_TOKEN = "south-wales-delivery-token"


def test_a_crime_about_another_forces_area_reaches_that_force_and_the_receiving_force_is_told(receiver):
    """docs/routing.md: made to Kent about Cardiff, the report goes to South Wales's system with its
    transfer record, Kent's gets a notice without the answers, and each force's token reads what it should."""
    tokens = ",".join(f"{force}=" + hashlib.sha256(token.encode()).hexdigest() for force, token in (("kent", TOKEN), ("south-wales", WALES_TOKEN)))
    api = API(config(receiver), env={"SOH_API_TOKENS": tokens})
    try:
        # Whatever the browser claims about routing, the answers decide.
        result = api.post("crime", dict(CRIME, area="cardiff"), whole=True)
        reference = result["reference"]
        assert result["areaForce"] == "south-wales" and result["owningForce"] == "south-wales"
        assert wait_for(lambda: receiver.references().get(reference) == 2), receiver.requests[-5:]
        assert receiver.problems == []
        documents = {submission(d)["attributes"]["forceIdentifier"]: d for d in receiver.reports.values()
                     if submission(d)["attributes"]["customerReferenceNumber"] == reference}
        owner = submission(documents["south-wales"])["attributes"]
        assert owner["answers"]["description"] == CRIME["description"]
        assert owner["routing"]["role"] == "owner" and owner["routing"]["receivedBy"] == "kent"
        assert owner["routing"]["areaName"] == "Cardiff" and "Home Office Counting Rules" in owner["routing"]["reason"]
        notice = submission(documents["kent"])["attributes"]
        assert notice["answers"] == {} and notice["routing"]["role"] == "receiver" and notice["routing"]["owningForce"] == "south-wales"
        assert CRIME["description"] not in json.dumps(documents["kent"])
        # South Wales replied with its reference: stored against the report, which both forces read.
        assert wait_for(lambda: all(d["state"] == "delivered" for d in api.submission(reference)["deliveries"]))
        kent = api.submission(reference)
        assert kent["answersWithheld"] is True and kent["answers"] == {} and kent["routing"]["role"] == "receiver"
        wales_receipt = next(d for d in kent["deliveries"] if d.get("force") == "south-wales")
        assert wales_receipt["forceReference"].startswith("FR/") and "lastError" not in wales_receipt
        wales = api.submission(reference, force="south-wales", token=WALES_TOKEN)
        assert wales["answers"]["description"] == CRIME["description"] and wales["routing"]["role"] == "owner"
        # A force with no part in it does not see it.
        with pytest.raises(urllib.error.HTTPError) as refused:
            api.submission(reference, force="south-wales", token=TOKEN)
        assert refused.value.code == 401
    finally:
        api.stop()


def test_an_edited_deliveries_file_moves_no_stored_report_until_an_operator_does():
    """A delivery keeps the address its destination had when the report was stored: after the
    deliveries file moves that destination, nothing is sent anywhere by itself; the delivery is
    dead, saying both addresses and the command, and `redeliver --to` sends it to the new one."""
    # Short folders: the operator's one-line view of a dead delivery keeps 200 characters.
    top = pathlib.Path(tempfile.mkdtemp(prefix="d"))
    old, new = top / "old", top / "new"

    def deliveries(folder):
        return f"forces:\n  kent:\n    - name: drop\n      kind: directory\n      path: {folder}\n"

    api = API(deliveries(old))
    worker = None

    def deliver():
        return subprocess.Popen([SOH, "deliver", "--root", ROOT, "--deliveries", api.file, "--db", api.db], env=api.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        api.kill()
        api.start("--no-worker")
        reference = api.post("lost-property", sample("lost-property"))
        api.stop()
        with open(api.file, "w") as f:
            f.write(deliveries(new))
        worker = deliver()
        assert wait_for(lambda: reference in api.soh("deliveries", "dead").stdout)
        dead = api.soh("deliveries", "dead").stdout
        assert f"'drop' moved since the report was stored, from directory {old} to directory {new}: nothing was sent" in dead, dead
        assert "soh deliveries redeliver --force kent --to drop" in dead, dead
        assert not old.exists() and not new.exists(), "nothing was written anywhere"
        worker.terminate()
        worker.wait(timeout=20)
        redeliver = api.soh("deliveries", "redeliver", "--force", "kent", "--since", "2000-01-01T00:00:00Z", "--until", "2100-01-01T00:00:00Z",
                            "--to", "drop", "--deliveries", api.file, "--root", ROOT)
        assert redeliver.returncode == 0 and "1 delivery due again" in redeliver.stdout, redeliver.stderr
        worker = deliver()
        assert wait_for(lambda: new.exists() and any(new.glob("*.json")))
        assert not old.exists()
        unknown = api.soh("deliveries", "redeliver", "--force", "kent", "--since", "2000-01-01T00:00:00Z", "--until", "2100-01-01T00:00:00Z",
                          "--to", "nowhere", "--deliveries", api.file, "--root", ROOT)
        assert unknown.returncode == 1 and "kent has no destination 'nowhere' in the deliveries file: nothing was sent" in unknown.stderr, unknown.stderr
        env = {k: v for k, v in api.env.items() if k != "SOH_DELIVERIES"}
        no_file = subprocess.run([SOH, "deliveries", "redeliver", "--force", "kent", "--since", "2000-01-01T00:00:00Z",
                                  "--until", "2100-01-01T00:00:00Z", "--to", "drop", "--root", ROOT, *api.place],
                                 capture_output=True, text=True, env=env)
        assert no_file.returncode == 1 and "--to needs the deliveries file: nothing was sent" in no_file.stderr, no_file.stderr
    finally:
        if worker:
            worker.terminate()
            worker.wait(timeout=20)
        api.stop()


def test_a_database_path_is_always_a_file(tmp_path):
    """`--db :memory:` or `--db file:…?mode=memory` are files of those names: SQLite would
    otherwise keep the reports in memory (or read a URI), and a restart would lose what was
    acknowledged."""
    for name in [":memory:", "file:x.sqlite?mode=memory"]:
        first = subprocess.run([SOH, "api", "migrate", "--db", name], capture_output=True, text=True, cwd=tmp_path)
        assert first.returncode == 0 and "applied" in first.stdout, first.stderr
        assert (tmp_path / name).is_file()
        again = subprocess.run([SOH, "api", "migrate", "--db", name], capture_output=True, text=True, cwd=tmp_path)
        assert again.returncode == 0 and "nothing to apply" in again.stdout, again
