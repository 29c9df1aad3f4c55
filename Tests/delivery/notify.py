"""A GOV.UK Notify-compatible receiver written from Notify's published API documentation: it
takes `POST /v2/notifications/email` and `/v2/notifications/sms`, verifies each request's JWT
(HS256 with the key's secret, `iss` the service id, `iat` within 30 s of now) and body (the
recipient, a template of the service, personalisation of strings, the reference), and answers
201 with the notification's id; or the fault asked for (`fail_next`: 500, 429 …). `callback`
then sends a delivery receipt to the API, with the callback bearer token, as Notify does."""
import base64
import hashlib
import hmac
import http.server
import json
import re
import threading
import time
import urllib.error
import urllib.request
import uuid

SERVICE_ID, SECRET = str(uuid.uuid4()), str(uuid.uuid4())
API_KEY = f"soh_test_key-{SERVICE_ID}-{SECRET}"
EMAIL_TEMPLATE, SMS_TEMPLATE = str(uuid.uuid4()), str(uuid.uuid4())
CALLBACK_TOKEN = "callback-" + uuid.uuid4().hex


def b64url(data):
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def post_receipt(url, body, token=CALLBACK_TOKEN):
    """Posts a delivery receipt's bytes to the API as Notify does; the status it answers."""
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


class Notify:
    def __init__(self):
        self.notifications, self.problems, self.fail_next = [], [], []
        self.lock = threading.Lock()
        notify = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def refuse(self, status, error, message):
                with notify.lock:
                    notify.problems.append(f"{status} {error}: {message}")
                self.reply(status, {"status_code": status, "errors": [{"error": error, "message": message}]})

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                kind = {"/v2/notifications/email": "email", "/v2/notifications/sms": "sms"}.get(self.path)
                if kind is None:
                    return self.refuse(404, "NotFound", self.path)
                problem = notify.check_token(self.headers.get("Authorization", ""))
                if problem:
                    return self.refuse(403, "AuthError", problem)
                with notify.lock:
                    fault = notify.fail_next.pop(0) if notify.fail_next else None
                if fault:
                    return self.reply(fault, {"status_code": fault, "errors": [{"error": "RateLimitError" if fault == 429 else "Exception", "message": "try later"}]})
                try:
                    body = json.loads(raw)
                except ValueError:
                    return self.refuse(400, "BadRequestError", "not JSON")
                template = EMAIL_TEMPLATE if kind == "email" else SMS_TEMPLATE
                if body.get("template_id") != template:
                    return self.refuse(400, "BadRequestError", "Template not found")
                to = body.get("email_address" if kind == "email" else "phone_number")
                if not isinstance(to, str) or not (re.fullmatch(r"[^\s@]+@[^\s@]+\.[^\s@]+", to) if kind == "email" else re.fullmatch(r"\+447\d{9}", to)):
                    return self.refuse(400, "ValidationError", f"bad recipient {to!r}")
                personalisation = body.get("personalisation", {})
                if not isinstance(personalisation, dict) or not all(isinstance(v, str) for v in personalisation.values()):
                    return self.refuse(400, "ValidationError", "personalisation values must be strings")
                if not isinstance(body.get("reference"), str) or len(body["reference"]) > 1000:
                    return self.refuse(400, "ValidationError", "reference")
                nid = str(uuid.uuid4())
                with notify.lock:
                    notify.notifications.append({"id": nid, "type": kind, "to": to, "body": body})
                self.reply(201, {"id": nid, "reference": body["reference"], "content": {"body": personalisation.get("body", "")},
                                 "uri": f"{notify.url}/v2/notifications/{nid}", "template": {"id": template, "version": 1}})

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def check_token(self, header):
        if not header.startswith("Bearer "):
            return "no bearer token"
        parts = header[7:].split(".")
        if len(parts) != 3:
            return "not a JWT"
        head, claims = json.loads(b64url(parts[0])), json.loads(b64url(parts[1]))
        if head.get("alg") != "HS256":
            return "not HS256"
        expected = hmac.new(SECRET.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, b64url(parts[2])):
            return "bad signature"
        if claims.get("iss") != SERVICE_ID:
            return "iss is not the service id"
        if not isinstance(claims.get("iat"), int) or abs(time.time() - claims["iat"]) > 30:
            return "iat more than 30 s from now"
        return None

    def callback(self, api_url, force, notification, status, token=CALLBACK_TOKEN):
        """A delivery receipt for `notification`, as Notify sends it; the API's status code."""
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
        body = json.dumps({"id": notification["id"], "reference": notification["body"]["reference"], "to": notification["to"], "status": status,
                           "created_at": now, "completed_at": now, "sent_at": now, "notification_type": notification["type"],
                           "template_id": notification["body"]["template_id"], "template_version": 1}).encode()
        return post_receipt(f"{api_url}/v1/forces/{force}/messages/status", body, token)

    def destination(self, name="notify"):
        return f"""    - name: {name}
      kind: notify
      url: {self.url}
      apiKey: {{env: NOTIFY_API_KEY}}
      emailTemplate: {EMAIL_TEMPLATE}
      smsTemplate: {SMS_TEMPLATE}
      callbackToken: {{env: NOTIFY_CALLBACK_TOKEN}}
"""

    def env(self):
        return {"NOTIFY_API_KEY": API_KEY, "NOTIFY_CALLBACK_TOKEN": CALLBACK_TOKEN}

    def close(self):
        self.server.shutdown()
