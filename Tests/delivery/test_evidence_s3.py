"""Evidence in S3-compatible storage (docs/evidence.md, "Where files are kept"): two `soh api`
instances on one PostgreSQL server share a bucket of a real S3 API server (moto); every request
soh sends is signed again with botocore's signer and refused if the signatures differ (s3.py).
An upload begun on one instance is finished on the other, scanned by a real clamd, delivered,
and fetched by the force; the AWS CLI reads back the sealed pieces soh wrote, and they open,
piece by piece, to exactly the bytes that were sent."""
import base64
import hashlib
import os
import urllib.request

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from clamd import Clamd
from postgres import Postgres
from s3 import S3
from test_delivery import API, TOKEN, config, receiver, sample, submission, wait_for  # noqa: F401  (receiver is a fixture)
from test_evidence_delivery import FORM, JPEG_HEAD, attachments, create, send, state, tus

BUCKET, PREFIX = "soh-evidence", "kent-and-friends/"


@pytest.fixture
def s3():
    server = S3()
    server.aws("s3api", "create-bucket", "--bucket", BUCKET, "--create-bucket-configuration", f"LocationConstraint={server.env()['AWS_REGION']}")
    yield server
    server.stop()


def opened(pieces, upload):
    """The bytes of sealed pieces, opened as docs/evidence.md says they are sealed."""
    key_id, key = os.environ["SOH_ANSWERS_KEYS"].split(":", 1)
    aes = AESGCM(base64.b64decode(key))
    return b"".join(aes.decrypt(piece[:12], piece[12:], f"soh evidence 1\nkent\n{upload}\n{index}".encode()) for index, piece in enumerate(pieces))


def test_two_instances_share_a_bucket_and_the_aws_cli_reads_back_what_soh_wrote(receiver, s3, tmp_path):
    clamd, pg = Clamd(), Postgres()
    database = pg.create("evidence")
    arguments = ["--clamd", clamd.address, "--evidence", f"s3://{BUCKET}/{PREFIX}"]
    first = API(config(receiver), database=database, arguments=arguments, env=s3.env())
    second = API(config(receiver), database=database, arguments=arguments + ["--no-worker"], env=s3.env())
    try:
        photo = JPEG_HEAD + os.urandom(2_600_000)
        path = create(first, "wing.jpg", len(photo))
        upload = path.rsplit("/", 1)[1]
        # Begun on one instance, finished on the other (a load balancer in between).
        assert send(first, path, photo[:1_200_000]) == 1_200_000
        assert send(second, path, photo[1_200_000:], offset=1_200_000) == len(photo)
        assert wait_for(lambda: state(second, path)["state"] == "clean", 60), state(second, path)
        answers = sample(FORM)
        answers["evidence-files"] = [upload]
        reference = second.post(FORM, answers)
        assert wait_for(lambda: reference in receiver.references(), 60), receiver.problems
        assert receiver.problems == []
        document = next(d for d in receiver.reports.values() if submission(d)["attributes"]["customerReferenceNumber"] == reference)
        [attachment] = attachments(document)
        assert attachment["attributes"]["sha256"] == hashlib.sha256(photo).hexdigest()
        # The force fetches it from either instance, whole or a range of it.
        for api in (first, second):
            request = urllib.request.Request(api.url + attachment["attributes"]["href"], headers={"Authorization": f"Bearer {TOKEN}"})
            with urllib.request.urlopen(request) as r:
                assert r.read() == photo
        request = urllib.request.Request(first.url + attachment["attributes"]["href"],
                                         headers={"Authorization": f"Bearer {TOKEN}", "Range": "bytes=1048570-1048600"})
        with urllib.request.urlopen(request) as r:
            assert r.status == 206 and r.read() == photo[1048570:1048601]
        # The AWS CLI lists and copies what soh wrote: sealed pieces, none of the bytes as sent,
        # that open to exactly the file.
        listing = s3.aws("s3", "ls", "--recursive", f"s3://{BUCKET}/{PREFIX}").decode()
        keys = sorted(line.split()[-1] for line in listing.splitlines() if upload in line)
        key_id = os.environ["SOH_ANSWERS_KEYS"].split(":", 1)[0]
        # Four pieces: a MiB, what was left of the first request, a MiB, the rest.
        assert keys == [f"{PREFIX}{upload}/{key_id}/{i:08d}" for i in range(4)], listing
        s3.aws("s3", "cp", "--recursive", f"s3://{BUCKET}/{PREFIX}{upload}/", str(tmp_path / "copy"))
        pieces = [(tmp_path / "copy" / key_id / f"{i:08d}").read_bytes() for i in range(4)]
        assert all(photo[1000:1100] not in piece for piece in pieces)
        assert opened(pieces, upload) == photo
        # A file the person removes is deleted from the bucket.
        other = create(first, "mistake.jpg", 5000)
        send(first, other, JPEG_HEAD + os.urandom(5000 - len(JPEG_HEAD)))
        assert other.rsplit("/", 1)[1] in s3.aws("s3", "ls", "--recursive", f"s3://{BUCKET}/{PREFIX}").decode()
        assert tus(second, "DELETE", other)[0] == 204
        assert other.rsplit("/", 1)[1] not in s3.aws("s3", "ls", "--recursive", f"s3://{BUCKET}/{PREFIX}").decode()
        # Every request soh sent was signed as botocore signs it: puts, gets, listings, deletes.
        assert s3.mismatches == []
        assert {method for method, _ in s3.checked} == {"PUT", "GET", "POST"}, s3.checked
    finally:
        first.stop()
        second.stop()
        clamd.stop()
        pg.remove()


def test_wrong_credentials_fail_the_upload_and_keep_nothing(receiver, s3):
    clamd = Clamd()
    api = API(config(receiver), arguments=["--clamd", clamd.address, "--evidence", f"s3://{BUCKET}/{PREFIX}"],
              env=dict(s3.env(), AWS_SECRET_ACCESS_KEY="not-the-secret"))
    try:
        path = create(api, "wing.jpg", 3000)
        status, _, body = tus(api, "PATCH", path, data=JPEG_HEAD + os.urandom(3000 - len(JPEG_HEAD)),
                              headers={"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
        # Not acknowledged: the client is told to try again, and nothing was stored.
        assert status == 503, body
        assert int(tus(api, "HEAD", path)[1]["Upload-Offset"]) == 0
        assert "SignatureDoesNotMatch" in open(api.log).read()
    finally:
        api.stop()
        clamd.stop()
