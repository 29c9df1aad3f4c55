"""A force's side of delivery, written from the published contract and not from soh's code.

- Standard API: `POST /incidents` with a JSON:API document, validated against
  docs/schemas/incident.schema.json, every relationship resolved to an entity
  sent with it; the API key header checked; 201 with the force's own
  reference (`data.id`) only once the report is kept. Repeats are recognised by the
  Idempotency-Key (the delivery id) and answered 201 with the same reference, stored once.
- Webhook: `POST /hook`, signed the Standard Webhooks way; checked here with Python's own hmac,
  against any of the receiver's secrets, and refused when older than five minutes.

Faults are injected per test: a number of 503s (with Retry-After), connection resets, replies
that are not HTTP, slow replies (before looking, after storing, or a body sent a byte at a time), and references answered with a 400 business error (by a word in their text, as a records system refuses a
location code it does not know).
"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import socket
import ssl
import threading
import time


SCHEMA = json.load(open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "schemas", "incident.schema.json")))


def submission(document):
    return next(e for e in document["included"] if e["type"] == "submission")


def check_links(document):
    """JSON:API's full linkage: every relationship names an entity in `included` by id and type,
    every entity in `included` is reached from the incident, and no id is used twice."""
    entities = {(e["id"], e["type"]): e for e in document["included"]}
    if len(entities) != len(document["included"]):
        raise ValueError("an id is used twice in included")
    reached, queue = set(), [document["data"]]
    while queue:
        for relationship in queue.pop().get("relationships", {}).values():
            for link in relationship["data"]:
                key = (link["id"], link["type"])
                if key not in entities:
                    raise ValueError(f"relationship to {key} which is not included")
                if key not in reached:
                    reached.add(key)
                    queue.append(entities[key])
    if reached != set(entities):
        raise ValueError(f"entities not linked from the incident: {set(entities) - reached}")


class Receiver:
    def __init__(self, api_key="test-api-key", webhook_secrets=(), tls=None, port=0, validate=True, log=None):
        """`tls`: (certificate, key, client CA) for mutual TLS: only clients with a certificate
        from that CA get past the handshake. `validate=False` skips the schema and linkage checks
        (the delivery benchmark measures soh, not jsonschema). `log`: a file that gets a line
        `REFERENCE TIME` for each report stored, written before the 201 (it outlives the process)."""
        self.api_key = api_key
        self.validate = validate
        self.log = open(log, "a", buffering=1) if log else None
        self.webhook_secrets = list(webhook_secrets)
        self.lock = threading.RLock()
        self.reports = {}          # delivery id -> document
        self.by_reference = {}     # citizen's reference -> [delivery ids]
        self.requests = []         # (path, status) of every request answered
        self.problems = []         # what broke the contract
        self.fail_next = 0         # this many 503s
        self.reset_next = 0        # this many connections closed without a reply
        self.garbage_next = 0      # this many replies that are not HTTP at all
        self.slow = 0.0            # seconds before each request is looked at
        self.late = 0.0            # seconds between storing a report and saying so
        self.trickle = 0.0         # seconds between the bytes of each reply's body
        self.refuse = None         # reports whose text holds this are answered with a 400 business error
        self.clients = []          # subjects of the client certificates seen
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: without this, Nagle's algorithm holds
            # the body until the client's delayed ACK (40 ms), and each connection does 25 a second.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def handle(self):
                try:
                    super().handle()
                except (OSError, ValueError):
                    pass  # a connection this receiver cut on purpose

            def reply(self, status, body=None, headers=()):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/vnd.api+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if receiver.trickle:
                    self.wfile.flush()
                    for i in range(len(data)):
                        time.sleep(receiver.trickle)
                        self.wfile.write(data[i:i + 1])
                        self.wfile.flush()
                else:
                    self.wfile.write(data)
                with receiver.lock:
                    receiver.requests.append((self.path, status))

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.slow:
                    time.sleep(receiver.slow)
                with receiver.lock:
                    if receiver.reset_next > 0:
                        receiver.reset_next -= 1
                        # The connection cut with no reply (linger 0: a reset when it closes).
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    if receiver.garbage_next > 0:
                        receiver.garbage_next -= 1
                        self.wfile.write(b"\x00\xffNOT HTTP AT ALL\r\n\r\n<html>oops</html>")
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    if receiver.fail_next > 0:
                        receiver.fail_next -= 1
                        return self.reply(503, {"errors": [{"status": "503", "title": "Records system unavailable"}]}, [("Retry-After", "1")])
                if self.path == "/incidents":
                    return self.incident(raw)
                if self.path == "/hook":
                    return self.hook(raw)
                self.reply(404, {"errors": [{"status": "404"}]})

            def incident(self, raw):
                if isinstance(self.connection, ssl.SSLSocket):
                    subject = dict(pair[0] for pair in self.connection.getpeercert().get("subject", ()))
                    with receiver.lock:
                        receiver.clients.append(subject.get("commonName"))
                if self.headers.get("x-api-key") != receiver.api_key:
                    return self.reply(401, {"errors": [{"status": "401", "title": "API key missing or wrong"}]})
                return self.keep(raw, self.headers.get("Idempotency-Key"))

            def hook(self, raw):
                message_id, stamp, signatures = (self.headers.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
                if not (message_id and stamp and signatures) or abs(time.time() - int(stamp)) > 300:
                    return self.reply(401, {"error": "missing or stale signature headers"})
                signed = f"{message_id}.{stamp}.".encode() + raw
                expected = [base64.b64encode(hmac.new(base64.b64decode(s[len("whsec_"):]), signed, hashlib.sha256).digest()).decode()
                            for s in receiver.webhook_secrets]
                given = [s.split(",", 1)[1] for s in signatures.split(" ") if s.startswith("v1,")]
                if not any(hmac.compare_digest(g, e) for g in given for e in expected):
                    with receiver.lock:
                        receiver.problems.append(f"bad signature on {message_id}")
                    return self.reply(401, {"error": "bad signature"})
                return self.keep(raw, message_id)

            def keep(self, raw, delivery_id):
                try:
                    document = json.loads(raw)
                    if receiver.validate:
                        import jsonschema  # here, so the benchmark runs it without .venv
                        errors = list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(document))
                        if errors:
                            raise ValueError(f"{errors[0].json_path}: {errors[0].message}")
                        check_links(document)
                except ValueError as error:
                    with receiver.lock:
                        receiver.problems.append(f"invalid document: {str(error)[:300]}")
                    return self.reply(400, {"errors": [{"status": "400", "title": "Invalid document", "detail": str(error)[:200]}]})
                attributes = submission(document)["attributes"]
                reference = attributes["customerReferenceNumber"]
                if receiver.refuse and receiver.refuse in attributes["submissionContent"]:
                    return self.reply(400, {"errors": [{"status": "400", "code": "BUSINESS", "title": "Unknown location code"}]})
                if not delivery_id:
                    with receiver.lock:
                        receiver.problems.append("no delivery id")
                with receiver.lock:
                    if delivery_id not in receiver.reports:
                        receiver.reports[delivery_id] = document
                        if receiver.log:
                            receiver.log.write(f"{reference} {time.time()}\n")
                        receiver.by_reference.setdefault(reference, []).append(delivery_id)
                    force_reference = "FR/" + hashlib.sha256(reference.encode()).hexdigest()[:8].upper()
                if receiver.late:
                    time.sleep(receiver.late)  # stored, but the answer is slow to come
                self.reply(201, {"data": {"type": "incident", "id": force_reference}})

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        scheme = "http"
        if tls:
            certificate, key, client_ca = tls
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certificate, key)
            context.load_verify_locations(client_ca)
            context.verify_mode = ssl.CERT_REQUIRED
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True, do_handshake_on_connect=False)
            scheme = "https"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"

    def references(self):
        with self.lock:
            return {ref: len(ids) for ref, ids in self.by_reference.items()}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":
    # A receiver on its own (the delivery benchmark runs it in another process, stops it and
    # starts it again on the same port): prints its address, serves until killed.
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-validate", action="store_true")
    parser.add_argument("--log")
    arguments = parser.parse_args()
    alone = Receiver(port=arguments.port, validate=not arguments.no_validate, log=arguments.log)
    print(alone.url, flush=True)
    threading.Event().wait()
