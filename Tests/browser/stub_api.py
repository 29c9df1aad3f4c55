"""A stand-in for the submission API, for browser tests of the form runtime.

Records every request; answers JSON posts with 201 and a reference (the same reference for a
repeated Idempotency-Key with the same content, 422 idempotencyKeyReused for other content, as
docs/api.md says), form posts with a 303 to the confirmation page, and can be told to
fail the next N requests with 503.
"""
import http.server
import json
import os
import re
import threading
import urllib.parse
from email.parser import BytesParser
from email.policy import HTTP

SITE_YML = os.path.join(os.path.dirname(__file__), "..", "..", "site.yml")


def confirmation_pages():
    """form id → its confirmation page path, read from site.yml's service catalogue."""
    pages, page = {}, None
    for line in open(SITE_YML, encoding="utf-8"):
        if re.match(r"\s*- id:", line):
            page = None
        m = re.match(r"\s*page: (\S+)", line)
        if m:
            page = m.group(1)
        m = re.match(r"\s*form: (\S+)", line)
        if m and page:
            pages[m.group(1)] = f"{page}form/confirmation/"
    return pages


def multipart_fields(content_type, data):
    """A multipart/form-data body as parse_qs gives a urlencoded one: name -> [values]; a file part
    gives its file name."""
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + data)
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        value = filename if filename is not None else part.get_payload(decode=True).decode("utf-8")
        fields.setdefault(name, []).append(value)
    return fields


class StubAPI:
    def __init__(self):
        self.requests = []
        self.stored = {}
        self.fail_next = 0
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def cors(self):
                origin = self.headers.get("Origin")
                if origin:
                    self.send_header("Access-Control-Allow-Origin", origin)
                    self.send_header("Vary", "Origin")

            def do_OPTIONS(self):
                self.send_response(204)
                self.cors()
                self.send_header("Access-Control-Allow-Methods", "POST")
                self.send_header("Access-Control-Allow-Headers", "Content-Type, Idempotency-Key, Accept")
                self.send_header("Access-Control-Max-Age", "600")
                self.end_headers()

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length)
                kind = self.headers.get("Content-Type", "").split(";")[0]
                raw = data.decode("utf-8", errors="replace")
                record = {"path": self.path, "type": kind, "key": self.headers.get("Idempotency-Key"), "raw": raw}
                stub.requests.append(record)
                if stub.fail_next > 0:
                    stub.fail_next -= 1
                    self.send_response(503)
                    self.cors()
                    self.send_header("Retry-After", "1")
                    self.end_headers()
                    return
                if kind == "application/json":
                    record["body"] = json.loads(raw)
                    key = record["key"] or str(len(stub.requests))
                    content = {k: record["body"].get(k) for k in ("form", "version", "language", "answers")}
                    if key in stub.stored and stub.stored[key]["content"] != content:
                        self.send_response(422)
                        self.cors()
                        self.send_header("Content-Type", "application/json")
                        self.end_headers()
                        self.wfile.write(json.dumps({"code": "idempotencyKeyReused", "error": "key reused"}).encode())
                        return
                    if key not in stub.stored:
                        stub.stored[key] = {"reference": f"TST-{len(stub.stored) + 1:04d}", "body": record["body"], "content": content}
                    payload = json.dumps({"reference": stub.stored[key]["reference"], "receivedAt": "2026-01-01T00:00:00Z"})
                    self.send_response(201)
                    self.cors()
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(payload.encode())
                else:
                    # A form with files posts multipart (a file is recorded by its name); others urlencoded.
                    record["fields"] = multipart_fields(self.headers["Content-Type"], data) if kind == "multipart/form-data" \
                        else urllib.parse.parse_qs(raw, keep_blank_values=True)
                    reference = f"TST-F{len(stub.requests):03d}"
                    stub.stored[reference] = {"reference": reference, "fields": record["fields"]}
                    origin = self.headers.get("Origin", "")
                    form = self.path.split("/forms/")[1].split("/")[0]
                    self.send_response(303)
                    self.send_header("Location", f"{origin}{confirmation_pages()[form]}?reference={reference}")
                    self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()
