"""A real S3 API server for the tests: moto in server mode on 127.0.0.1 and a free port, behind a
proxy that signs every request it passes again with botocore's own SigV4 signer and refuses,
as S3 does (403 SignatureDoesNotMatch), any whose signature is not the one botocore makes. The
AWS CLI talks to moto directly. `stop()` ends both."""
import datetime
import http.client
import http.server
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from unittest import mock

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from postgres import free_port

BIN = os.path.dirname(sys.executable)
ACCESS, SECRET, REGION = "AKIASOHTESTEXAMPLE01", "soh-test-secret-" + os.urandom(8).hex(), "eu-west-2"


class S3:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="soh-s3-")
        self.moto_port = free_port()
        self.moto_url = f"http://127.0.0.1:{self.moto_port}"
        with open(os.path.join(self.dir, "moto.log"), "w") as log:
            self.moto = subprocess.Popen([os.path.join(BIN, "moto_server"), "-H", "127.0.0.1", "-p", str(self.moto_port)],
                                         stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(self.moto_url + "/moto-api/", timeout=2).read()
                break
            except OSError:
                if time.time() > deadline or self.moto.poll() is not None:
                    raise AssertionError("moto_server did not start: " + open(os.path.join(self.dir, "moto.log")).read())
                time.sleep(0.2)
        self.checked, self.mismatches, self.lock = [], [], threading.Lock()
        self.proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.proxy.server_address[1]}"
        threading.Thread(target=self.proxy.serve_forever, daemon=True).start()

    def env(self):
        """What soh (and the AWS CLI) is given: the AWS CLI's own variables."""
        return {"AWS_ACCESS_KEY_ID": ACCESS, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION": REGION, "AWS_ENDPOINT_URL": self.url}

    def aws(self, *arguments):
        """The AWS CLI against moto itself (not through the proxy): stdout, or an AssertionError."""
        env = {**os.environ, **self.env(), "AWS_ENDPOINT_URL": self.moto_url}
        result = subprocess.run([os.path.join(BIN, "aws"), *arguments], capture_output=True, env=env, stdin=subprocess.DEVNULL)
        assert result.returncode == 0, result.stderr.decode()
        return result.stdout

    def stop(self):
        self.proxy.shutdown()
        self.moto.terminate()
        self.moto.wait(timeout=10)

    def expected(self, method, host, target, headers, body):
        """The Authorization header botocore's S3 signer makes for this request, at its x-amz-date."""
        authorization = headers.get("authorization", "")
        signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";") if "SignedHeaders=" in authorization else []
        given = {name: value for name, value in headers.items() if name in signed and name not in ("host", "x-amz-date", "x-amz-content-sha256")}
        request = AWSRequest(method=method, url=f"http://{host}{target}", data=body, headers=given)
        stamp = datetime.datetime.strptime(headers.get("x-amz-date", "19700101T000000Z"), "%Y%m%dT%H%M%SZ")
        with self.lock, mock.patch("botocore.auth.get_current_datetime", return_value=stamp):
            S3SigV4Auth(Credentials(ACCESS, SECRET), "s3", REGION).add_auth(request)
        return request.headers["Authorization"]

    def _handler(self):
        s3 = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def relay(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                expected = s3.expected(self.command, headers.get("host", ""), self.path, headers, body)
                with s3.lock:
                    s3.checked.append((self.command, self.path))
                    if expected != headers.get("authorization"):
                        s3.mismatches.append((self.command, self.path, headers.get("authorization"), expected))
                if expected != headers.get("authorization"):
                    reply = b"<Error><Code>SignatureDoesNotMatch</Code><Message>not botocore's signature</Message></Error>"
                    self.send_response(403)
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                    return
                connection = http.client.HTTPConnection("127.0.0.1", s3.moto_port, timeout=60)
                connection.request(self.command, self.path, body=body if body or self.command in ("PUT", "POST") else None,
                                   headers={k: v for k, v in self.headers.items() if k.lower() not in ("connection",)})
                response = connection.getresponse()
                data = response.read()
                self.send_response(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in ("connection", "transfer-encoding", "content-length", "server", "date"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                connection.close()

            do_GET = do_PUT = do_POST = do_DELETE = relay

        return Handler
