"""Confirmations through GOV.UK Notify (docs/messages.md): the real `soh api` sends texts and
emails to a Notify-compatible receiver written from Notify's API documentation (notify.py), which
verifies every token and body; Notify's faults are retried and each message sent once; a bad
template is dead; Notify's delivery receipts come back on the API with the callback token."""
import json

import pytest

from notify import Notify, SMS_TEMPLATE, EMAIL_TEMPLATE, post_receipt
from test_delivery import API, config, receiver, sample, wait_for  # noqa: F401  (receiver is a fixture)

SECRET = "Three keys on a red fob, SOH-ANSWER-CANARY"


@pytest.fixture
def notify():
    server = Notify()
    yield server
    server.close()


def answers(**extra):
    given = sample("lost-property")
    given.update({"item-description": SECRET, "receipt": "text", "receipt-mobile": "07700 900 982", "email": "sam@example.com"})
    given.update(extra)
    if given["receipt"] != "text":
        given.pop("receipt-mobile")  # asked only under "text"
    return given


def test_a_text_and_an_email_go_through_notify_with_verified_tokens_and_never_the_answers(receiver, notify):
    api = API(config(receiver, notify.destination()), env=notify.env())
    try:
        texted = api.post("lost-property", answers())
        emailed = api.post("lost-property", answers(receipt="email"))
        assert wait_for(lambda: len(notify.notifications) == 2, 30), (notify.problems, open(api.log).read()[-2000:])
        assert notify.problems == []  # every JWT and body as Notify's documentation says
        sms = next(n for n in notify.notifications if n["type"] == "sms")
        assert sms["to"] == "+447700900982" and sms["body"]["template_id"] == SMS_TEMPLATE and sms["body"]["reference"] == texted
        assert texted in sms["body"]["personalisation"]["body"] and "101" in sms["body"]["personalisation"]["body"]
        mail = next(n for n in notify.notifications if n["type"] == "email")
        assert mail["to"] == "sam@example.com" and mail["body"]["template_id"] == EMAIL_TEMPLATE and mail["body"]["reference"] == emailed
        assert mail["body"]["personalisation"]["subject"] == f"Your report to Kent Police: {emailed}"
        assert all(SECRET not in str(n["body"]) and "SOH-ANSWER-CANARY" not in str(n["body"]) for n in notify.notifications)
        # Notify's receipts: delivered is recorded; a permanent failure makes the confirmation dead.
        assert notify.callback(api.url, "kent", mail, "delivered") == 204
        assert notify.callback(api.url, "kent", sms, "permanent-failure") == 204
        shown = api.soh("deliveries", "show", texted).stdout
        assert "permanent-failure" in shown and "dead" in shown, shown
        assert "Notify" in api.soh("deliveries", "show", emailed).stdout
        # Not Notify: refused, nothing recorded.
        assert notify.callback(api.url, "kent", sms, "delivered", token="not-the-token-at-all") == 401
        assert notify.callback(api.url, "essex", sms, "delivered") == 404
        # Not a receipt, or a status Notify does not send: 400, nothing recorded.
        assert notify.callback(api.url, "kent", sms, "sent-by-pigeon") == 400
        assert post_receipt(f"{api.url}/v1/forces/kent/messages/status", b"not json") == 400
        assert post_receipt(f"{api.url}/v1/forces/kent/messages/status", json.dumps({"id": "x", "status": "delivered"}).encode()) == 400
        assert api.soh("deliveries", "show", texted).stdout.count("permanent-failure") == shown.count("permanent-failure")
    finally:
        api.stop()


def test_notify_faults_are_retried_and_sent_once_and_a_bad_template_is_dead(receiver, notify):
    api = API(config(receiver, notify.destination()), env=notify.env())
    try:
        notify.fail_next = [500, 429, 503]
        first = api.post("lost-property", answers())
        assert wait_for(lambda: len(notify.notifications) == 1, 60), api.soh("deliveries", "show", first).stdout
        assert "Notify answered 500" in api.soh("deliveries", "show", first).stdout
        assert [n["body"]["reference"] for n in notify.notifications] == [first], "sent once after recovery"
        api.stop()
        # A template the service does not have: Notify's 400 gives it up at once, with its words.
        bad = notify.destination().replace(SMS_TEMPLATE, "00000000-0000-4000-8000-000000000000")
        api = API(config(receiver, bad), env=notify.env())
        second = api.post("lost-property", answers())
        assert wait_for(lambda: second in api.soh("deliveries", "dead").stdout, 30)
        dead = api.soh("deliveries", "dead").stdout
        assert "Template not found" in dead and "1 attempt" in next(l for l in dead.splitlines() if second in l), dead
    finally:
        api.stop()
