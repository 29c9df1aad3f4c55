"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1 and a free port, offering STARTTLS with
a certificate the tests make with openssl, requiring it before AUTH (PLAIN and LOGIN, one
username and password), and parsing every message it takes with Python's `email` package.
Faults on demand: `defer_next` answers 451 (try later), `bounce` answers 550 for an address;
`stop()` and `start()` take the relay away and bring it back on the same port.

Run on its own (`python3 smtp.py FOLDER LOG [PORT]`, for `make bench-delivery`) it prints its port, CA,
username and password on one line and, instead of keeping messages, appends a line to LOG for
each one it takes: the reference at the end of its Subject, its Message-ID, and the time."""
import email
import email.policy
import os
import re
import ssl
import subprocess
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from postgres import free_port

# A relay started again by the benchmark is given its first password, so its clients log in as before.
USERNAME, PASSWORD = "soh-relay", os.environ.get("SOH_TEST_RELAY_PASSWORD") or "relay-" + os.urandom(6).hex()


def certificate(folder):
    """A CA and a certificate for 127.0.0.1 it signed; returns (ca.pem, cert, key). Those already
    in `folder` are kept, so a relay started again there is trusted as before."""
    paths = tuple(os.path.join(folder, name) for name in ("ca.pem", "relay.pem", "relay.key"))
    if all(os.path.exists(p) for p in paths):
        return paths

    def run(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test relay CA")
    with open(os.path.join(folder, "relay.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "relay.key", "-out", "relay.csr", "-subj", "/CN=relay")
    run("x509", "-req", "-in", "relay.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "relay.pem", "-days", "2",
        "-extfile", "relay.ext")
    return paths


class SMTP:
    def __init__(self, folder, log=None, port=None):
        self.log = open(log, "a", buffering=1) if log else None
        self.ca, cert, key = certificate(folder)
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.port = port or free_port()
        self.messages, self.sessions, self.lock = [], [], threading.Lock()
        self.peers = []  # the client's address and port for each message: one per connection
        self.defer_next, self.bounce = 0, set()
        self.controller = None
        self.start()

    def start(self):
        smtp = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, options):
                with smtp.lock:
                    if address in smtp.bounce:
                        return "550 5.1.1 no such mailbox"
                    if smtp.defer_next > 0:
                        smtp.defer_next -= 1
                        return "451 4.3.0 try again later"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                if smtp.log:
                    # Only what the benchmark counts, read from the headers' own lines (the
                    # subject's reference is ASCII, so never an encoded word).
                    head = envelope.original_content.split(b"\r\n\r\n", 1)[0]
                    subject, message_id = (re.search(rb"^" + name + rb":[ \t]*([^\r\n]*)", head, re.M | re.I) for name in (b"Subject", b"Message-ID"))
                    smtp.log.write(f"{subject[1].rsplit(b' ', 1)[-1].decode()} {message_id[1].decode()} {time.time()}\n")
                    return "250 2.0.0 queued"
                message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
                with smtp.lock:
                    smtp.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message, envelope.original_content))
                    smtp.sessions.append({"tls": session.ssl is not None, "auth": session.authenticated})
                    smtp.peers.append(session.peer)
                return f"250 2.0.0 queued as {len(smtp.messages)}"

        def authenticate(server, session, envelope, mechanism, data):
            ok = getattr(data, "login", None) == USERNAME.encode() and getattr(data, "password", None) == PASSWORD.encode()
            # handled=False: aiosmtpd answers a refusal with 535 itself (by default it answers nothing).
            return AuthResult(success=ok, handled=False)

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, tls_context=self.context, require_starttls=True,
                                     authenticator=authenticate, auth_required=True, auth_require_tls=True, ready_timeout=10)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    def env(self):
        return {"SMTP_USERNAME": USERNAME, "SMTP_PASSWORD": PASSWORD}

    def destination(self, name="confirmations", sender="Kent Police <no-reply@kent.police.example>"):
        return f"""    - name: {name}
      kind: email
      url: smtp://127.0.0.1:{self.port}
      username: {{env: SMTP_USERNAME}}
      password: {{env: SMTP_PASSWORD}}
      from: {sender}
      ca: {self.ca}
"""


if __name__ == "__main__":
    relay = SMTP(sys.argv[1], log=sys.argv[2], port=int(sys.argv[3]) if len(sys.argv) > 3 else None)
    print(relay.port, relay.ca, USERNAME, PASSWORD, flush=True)
    threading.Event().wait()
