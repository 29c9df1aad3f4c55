"""Confirmations to the person who reported (docs/messages.md), through the outbox, by email to a
real SMTP server (smtp.py: aiosmtpd with STARTTLS and AUTH), which parses every message with
Python's `email` package: the reference, the force, its numbers, in the report's language, and
never the answers; faults retried and sent once; a bounced address dead, with the relay's words."""
import time

import pytest

from smtp import SMTP
from test_delivery import API, config, receiver, sample, wait_for  # noqa: F401  (receiver is a fixture)

SECRET = "Three keys on a red fob, SOH-ANSWER-CANARY"


@pytest.fixture
def relay(tmp_path):
    server = SMTP(str(tmp_path))
    yield server
    server.stop()


def answers(form="lost-property", force="kent", **extra):
    given = sample(form, force)
    given.update({"item-description": SECRET, "receipt": "email", "email": "sam@example.com", "full-name": "Sam Jones"})
    given.update(extra)
    return given


def test_an_email_confirmation_reaches_the_person_with_the_reference_and_never_the_answers(receiver, relay):
    api = API(config(receiver, relay.destination()), env=relay.env())
    try:
        reference = api.post("lost-property", answers())
        assert wait_for(lambda: relay.messages, 30), open(api.log).read()[-3000:]
        sender, recipients, message, raw = relay.messages[0]
        assert sender == "no-reply@kent.police.example" and recipients == ["sam@example.com"]
        assert relay.sessions[0] == {"tls": True, "auth": True}, "over STARTTLS, logged in"
        assert message["To"] == "Sam Jones <sam@example.com>" and message["From"] == "Kent Police <no-reply@kent.police.example>"
        assert message["Subject"] == f"Your report to Kent Police: {reference}"
        assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@kent.police.example>")
        assert message["Date"] and message["Content-Language"] == "en" and message["Auto-Submitted"] == "auto-generated"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        for part in (text, html):
            assert reference in part and "Kent Police" in part and "101" in part and "999" in part
        assert "call 101 and give your reference number" in text
        assert '<html lang="en">' in html
        # Never the answers, in any part, in any encoding.
        assert SECRET.encode() not in raw and SECRET not in text and SECRET not in html
        assert "SOH-ANSWER-CANARY" not in message.as_string()
        # The report reached the force as well, and the message is a delivery of its own.
        assert wait_for(lambda: reference in receiver.references())
        shown = api.soh("deliveries", "show", reference).stdout
        assert "confirmations" in shown and "delivered" in shown, shown
    finally:
        api.stop()


def test_welsh_on_equal_terms_and_no_header_injection_from_a_name(receiver, relay):
    api = API(config(receiver).replace("  south-wales:\n", "  south-wales:\n" + relay.destination(sender="Heddlu De Cymru <dim-ateb@sw.police.example>")),
              env=relay.env())
    try:
        hostile = "Sam\r\nBcc: victim@example.com\r\nX-Injected: yes"
        reference = api.post("lost-property", answers(force="south-wales", **{"full-name": hostile}), language="cy", force="south-wales")
        assert wait_for(lambda: relay.messages, 30), open(api.log).read()[-3000:]
        _, recipients, message, raw = relay.messages[0]
        assert recipients == ["sam@example.com"], "nobody else was added"
        assert message["Bcc"] is None and message["X-Injected"] is None and b"\r\nBcc:" not in raw and b"\r\nX-Injected" not in raw
        assert message["To"].addresses[0].addr_spec == "sam@example.com"
        assert message["Subject"] == f"Eich adroddiad i Heddlu De Cymru: {reference}"
        assert message["Content-Language"] == "cy"
        text = message.get_body(("plain",)).get_content()
        assert "Eich cyfeirnod yw " + reference in text and "ffoniwch 101" in text
    finally:
        api.stop()


def test_a_relay_that_is_away_or_defers_gets_each_message_once_and_a_bounce_is_dead(receiver, relay):
    api = API(config(receiver, relay.destination()), env=relay.env())
    try:
        relay.stop()
        first = api.post("lost-property", answers())
        assert wait_for(lambda: "could not send" in api.soh("deliveries", "show", first).stdout, 20)
        relay.start()
        relay.defer_next = 2
        second = api.post("lost-property", answers())
        assert wait_for(lambda: len(relay.messages) == 2, 60), api.soh("deliveries", "show", second).stdout
        ids = [m["Message-ID"] for _, _, m, _ in relay.messages]
        assert len(set(ids)) == 2, "each sent once"
        assert {first, second} == {m["Subject"].rsplit(" ", 1)[1] for _, _, m, _ in relay.messages}
        # An address the relay refuses for good: dead at once, with the relay's words.
        relay.bounce.add("nobody@example.com")
        third = api.post("lost-property", answers(email="nobody@example.com"))
        assert wait_for(lambda: third in api.soh("deliveries", "dead").stdout, 30)
        dead = api.soh("deliveries", "dead").stdout
        assert "550" in dead and "no such mailbox" in dead, dead
        assert len(relay.messages) == 2
    finally:
        api.stop()


def test_messages_pending_when_the_api_is_killed_are_each_sent_once_after_the_restart(receiver, relay):
    api = API(config(receiver, relay.destination()), env=relay.env())
    try:
        relay.stop()
        references = [api.post("lost-property", answers()) for _ in range(3)]
        assert wait_for(lambda: all("could not send" in api.soh("deliveries", "show", r).stdout for r in references), 30)
        api.kill()
        relay.start()
        api.start()
        assert wait_for(lambda: len(relay.messages) == 3, 60), [api.soh("deliveries", "show", r).stdout for r in references]
        time.sleep(2)
        assert len(relay.messages) == 3 and len({m["Message-ID"] for _, _, m, _ in relay.messages}) == 3, "each sent once"
        assert sorted(m["Subject"].rsplit(" ", 1)[1] for _, _, m, _ in relay.messages) == sorted(references)
    finally:
        api.stop()


def test_one_session_carries_many_messages_and_a_relay_that_restarted_costs_no_attempt(receiver, relay):
    api = API(config(receiver, relay.destination()), env=relay.env())
    try:
        references = []
        for n in range(6):
            references.append(api.post("lost-property", answers()))
            assert wait_for(lambda: len(relay.messages) == n + 1, 30), api.soh("deliveries", "show", references[-1]).stdout
        # One after another: the session that sent the first sends the rest (TLS and AUTH once).
        assert len(set(relay.peers)) == 1, relay.peers
        assert all(s == {"tls": True, "auth": True} for s in relay.sessions)
        # The relay restarts while the session waits: the next message finds it gone, and goes
        # on a new session in the same attempt, before anything of it was sent.
        relay.stop()
        relay.start()
        last = api.post("lost-property", answers())
        assert wait_for(lambda: len(relay.messages) == 7, 30), api.soh("deliveries", "show", last).stdout
        assert relay.peers[-1] != relay.peers[0]
        shown = api.soh("deliveries", "show", last).stdout
        assert "could not send" not in shown and "closed" not in shown, shown
        assert len({m["Message-ID"] for _, _, m, _ in relay.messages}) == 7, "each sent once"
    finally:
        api.stop()


def test_a_login_the_relay_refuses_is_dead_at_once_with_its_words(receiver, relay):
    api = API(config(receiver, relay.destination()), env={**relay.env(), "SMTP_PASSWORD": "not-the-password"})
    try:
        reference = api.post("lost-property", answers())
        assert wait_for(lambda: reference in api.soh("deliveries", "dead").stdout, 30), api.soh("deliveries", "show", reference).stdout
        dead = api.soh("deliveries", "dead").stdout
        assert "AUTH PLAIN: the relay answered 535" in dead, dead
        assert relay.messages == []
    finally:
        api.stop()
