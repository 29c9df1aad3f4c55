"""The delivery and instance tests start `soh api`, `soh deliver` and `soh submissions`, which
seal answers with a key and do not start without one: every command these tests run inherits
this run's key through SOH_ANSWERS_KEYS (docs/privacy.md)."""
import base64
import os

ANSWERS_KEYS = "test:" + base64.b64encode(os.urandom(32)).decode()
os.environ["SOH_ANSWERS_KEYS"] = ANSWERS_KEYS
