"""A report with its files reaches the force (docs/evidence.md): the real `soh api` with a real
clamd, its worker sending to the reference receiver, which checks each document against the
published schema; the force fetches each file's bytes from the API with its token."""
import base64
import hashlib
import json
import os
import signal
import time
import urllib.error
import urllib.request

from clamd import Clamd, EICAR
from test_delivery import API, TOKEN, config, hook_and_drop, receiver, sample, submission, wait_for  # noqa: F401  (receiver is a fixture)

JPEG_HEAD = bytes([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]) + b"JFIF\0"
FORM = "anti-social-behaviour"


def tus(api, method, path, data=None, headers=None):
    request = urllib.request.Request(api.url + path, data=data, method=method, headers={"Tus-Resumable": "1.0.0", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def create(api, name, size, question="evidence-files"):
    metadata = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in (("question", question), ("filename", name)))
    status, headers, body = tus(api, "POST", f"/v1/forces/kent/forms/{FORM}/uploads", headers={"Upload-Length": str(size), "Upload-Metadata": metadata})
    assert status == 201, body
    return headers["Location"]


def send(api, path, data, offset=0):
    status, headers, body = tus(api, "PATCH", path, data=data, headers={"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
    assert status == 204, body
    return int(headers["Upload-Offset"])


def state(api, path):
    return json.loads(tus(api, "GET", path)[2])


def attachments(document):
    return [e for e in document["included"] if e["type"] == "attachment"]


def test_a_report_reaches_the_force_with_its_files_and_the_force_fetches_them(receiver):
    clamd = Clamd()
    api = API(config(receiver), arguments=["--clamd", clamd.address])
    try:
        photo = JPEG_HEAD + os.urandom(1_500_000)
        path = create(api, "bins.jpg", len(photo))
        assert send(api, path, photo) == len(photo)
        assert wait_for(lambda: state(api, path)["state"] == "clean")
        answers = sample(FORM)
        answers["evidence-files"] = [path.rsplit("/", 1)[1]]
        reference = api.post(FORM, answers)
        assert wait_for(lambda: reference in receiver.references()), receiver.problems
        assert receiver.problems == []  # the document is valid against docs/schemas/incident.schema.json
        document = next(d for d in receiver.reports.values() if submission(d)["attributes"]["customerReferenceNumber"] == reference)
        [attachment] = attachments(document)
        attributes = attachment["attributes"]
        assert attributes["fileName"] == "bins.jpg" and attributes["contentType"] == "image/jpeg"
        assert attributes["sha256"] == hashlib.sha256(photo).hexdigest() and attributes["fileSize"] == len(photo)
        assert {"id": attachment["id"], "type": "attachment"} in document["data"]["relationships"]["attachments"]["data"]
        # The force fetches the bytes with its token: exactly what was sent.
        request = urllib.request.Request(api.url + attributes["href"], headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request) as r:
            assert r.read() == photo
            assert r.headers["Repr-Digest"] == "sha-256=:" + base64.b64encode(hashlib.sha256(photo).digest()).decode() + ":"
        # The fetch is in the audit log, whose chain still verifies.
        listed = api.soh("audit", "list")
        assert any("evidence" in line and f"{reference}/{path.rsplit('/', 1)[1]}" in line for line in listed.stdout.splitlines()), listed.stdout
        verified = api.soh("audit", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
    finally:
        api.stop()
        clamd.stop()


def test_while_clamd_is_away_the_report_waits_and_goes_once_its_file_is_clean(receiver):
    clamd = Clamd()
    api = API(config(receiver), arguments=["--clamd", clamd.address])
    try:
        clamd.stop()
        video = bytes(4) + b"ftypmp42" + os.urandom(300_000)
        path = create(api, "dashcam.mp4", len(video))
        send(api, path, video)
        answers = sample(FORM)
        answers["evidence-files"] = [path.rsplit("/", 1)[1]]
        reference = api.post(FORM, answers)
        time.sleep(3)
        assert reference not in receiver.references()
        assert state(api, path)["state"] == "scanning"
        clamd.start()
        assert wait_for(lambda: reference in receiver.references(), 60)
        assert receiver.problems == []
    finally:
        api.stop()
        clamd.stop()


def test_an_upload_killed_part_way_resumes_after_the_restart_from_what_was_acknowledged(receiver):
    clamd = Clamd()
    api = API(config(receiver), arguments=["--clamd", clamd.address])
    try:
        video = bytes(4) + b"ftypmp42" + os.urandom(6 * 1024 * 1024)
        path = create(api, "long.mp4", len(video))
        acknowledged = send(api, path, video[:2_500_000])
        assert acknowledged == 2_500_000
        # SIGKILL while a second request is part-way through its bytes.
        import http.client
        connection = http.client.HTTPConnection(api.url.split("//")[1])
        connection.putrequest("PATCH", path)
        for name, value in (("Tus-Resumable", "1.0.0"), ("Upload-Offset", str(acknowledged)), ("Content-Type", "application/offset+octet-stream"),
                            ("Content-Length", str(len(video) - acknowledged))):
            connection.putheader(name, value)
        connection.endheaders()
        connection.send(video[acknowledged:acknowledged + 1_000_000])
        time.sleep(0.5)
        api.kill()
        connection.close()
        api.start()
        # It resumes from an offset the API acknowledged (what reached the disk before the kill, at
        # least what was acknowledged), and the file is the file that was sent.
        status, headers, _ = tus(api, "HEAD", path)
        offset = int(headers["Upload-Offset"])
        assert status == 200 and acknowledged <= offset <= acknowledged + 1_000_000
        assert send(api, path, video[offset:], offset=offset) == len(video)
        assert wait_for(lambda: state(api, path)["state"] == "clean", 60)
        assert state(api, path)["sha256"] == hashlib.sha256(video).hexdigest()
    finally:
        api.stop()
        clamd.stop()


def test_a_directory_gets_the_files_beside_the_report_and_a_webhook_the_same_links(receiver, tmp_path):
    drop = tmp_path / "drop"
    extra = hook_and_drop(receiver, drop)
    clamd = Clamd()
    api = API(config(receiver, extra), arguments=["--clamd", clamd.address])
    try:
        photo = JPEG_HEAD + os.urandom(1_300_000)
        video = bytes(4) + b"ftypmp42" + os.urandom(2_200_000)
        uploads = []
        for name, data in (("bins.jpg", photo), ("night.mp4", video)):
            path = create(api, name, len(data))
            send(api, path, data)
            uploads.append(path.rsplit("/", 1)[1])
        answers = sample(FORM)
        answers["evidence-files"] = uploads
        reference = api.post(FORM, answers)
        assert wait_for(lambda: len(receiver.reports) == 2 and any(drop.glob("*.json")), 60), receiver.problems
        assert receiver.problems == []
        [written] = drop.glob("*.json")
        delivery = written.stem
        document = json.loads(written.read_text())
        assert submission(document)["attributes"]["customerReferenceNumber"] == reference
        # Beside the report: each file whole, named by its upload's id and its kind's extension.
        files = drop / f"{delivery}.files"
        assert sorted(p.name for p in files.iterdir()) == sorted([f"{uploads[0]}.jpg", f"{uploads[1]}.mp4"])
        assert (files / f"{uploads[0]}.jpg").read_bytes() == photo and (files / f"{uploads[1]}.mp4").read_bytes() == video
        assert oct(files.stat().st_mode & 0o777) == "0o700" and oct((files / f"{uploads[0]}.jpg").stat().st_mode & 0o777) == "0o600"
        assert {a["attributes"]["href"].rsplit("/", 1)[1] for a in attachments(document)} == set(uploads)
        # The webhook's document lists the same files with the same links as the Standard API's.
        links = [sorted(a["attributes"]["href"] for a in attachments(d)) for d in receiver.reports.values()]
        assert links[0] == links[1] == sorted(a["attributes"]["href"] for a in attachments(document))
    finally:
        api.stop()
        clamd.stop()
