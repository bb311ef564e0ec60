"""A webhook receiver written from docs/webhooks.md alone.

Nothing here imports the platform's signing code or reads its models to
verify: the receiver knows only what the guide tells an entity's developer —
the secret shown once when the endpoint is added in the back office, the
``Manassa-Signature: t=<timestamp>,v1=<signature>`` header, and the seven steps
of "Verifying the signature". Two verifiers check every request:

* ``verify_from_steps``: the numbered steps, written out one by one;
* the guide's own Python example, taken verbatim from the document's code
  block and executed, so the example people copy is the one that is tested.

The platform side is driven the way an administrator would: the Webhooks
page (add an endpoint, copy the secret, "Send a test event"), then a real
workflow action; the task worker posts to a real HTTP server in this process.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from manassa.integrations.tests.conftest import run_tasks

GUIDE = Path(__file__).resolve().parents[4] / "docs" / "webhooks.md"
TOLERANCE = 300  # "more than 5 minutes (300 seconds), either way"


def verify_from_steps(secret: str, raw_body: bytes, header: str, now: float) -> dict:
    # 2. Split the header value on "," and each part once on "="; t and v1 must both be there.
    parts = {}
    for part in header.split(","):
        name, sep, value = part.partition("=")
        if sep:
            parts[name.strip()] = value.strip()
    if "t" not in parts or "v1" not in parts:
        raise ValueError("missing t or v1")
    # 3. signed = t + "." + body (the timestamp as it appears in the header).
    signed = parts["t"].encode("ascii") + b"." + raw_body
    # 4. HMAC-SHA256, the whole secret as the key (UTF-8), lowercase hex.
    expected = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    # 5. Constant-time comparison.
    if not hmac.compare_digest(expected, parts["v1"]):
        raise ValueError("signature")
    # 6. Within 5 minutes of our clock, either way.
    if abs(now - int(parts["t"])) > TOLERANCE:
        raise ValueError("timestamp")
    # 7. Only now parse the JSON.
    return json.loads(raw_body)


def guide_example(secret: str):
    """The ``verify`` function of the guide's Python example, with the secret the back office showed."""
    text = GUIDE.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    (source,) = [block for block in blocks if "def verify(" in block]
    source = source.replace('SECRET = "whsec_…"', f"SECRET = {secret!r}")
    namespace: dict = {}
    exec(compile(source, str(GUIDE), "exec"), namespace)  # noqa: S102 — the document's own example
    return namespace["verify"]


class DocReceiver:
    """An endpoint as the guide describes one: check first, answer 2xx fast, 401 when the check fails."""

    def __init__(self):
        self.secret = ""
        self.accepted: list[dict] = []
        self.refused: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                # 1. The raw body, as bytes, before any parsing.
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                header = self.headers.get("Manassa-Signature", "")
                status = owner.check(raw, header, event_id=self.headers.get("Manassa-Event-Id"),
                                     event_type=self.headers.get("Manassa-Event-Type"))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/manassa/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def check(self, raw: bytes, header: str, *, event_id, event_type) -> int:
        try:
            event = verify_from_steps(self.secret, raw, header, time.time())
            same = guide_example(self.secret)(raw, header)
        except ValueError as exc:
            self.refused.append(str(exc))
            return 401
        assert same == event
        # The headers repeat the body's id and type.
        assert event["id"] == event_id and event["type"] == event_type
        self.accepted.append(event)
        return 204

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def doc_receiver():
    receiver = DocReceiver()
    yield receiver
    receiver.close()


def _add_endpoint_in_back_office(client, admin, url: str) -> str:
    """What the guide's "Setting up an endpoint" says to do; returns the secret the page shows once."""
    client.force_login(admin)
    page = client.post("/en/backoffice/entities/ENT-A/integrations/", {
        "url": url, "description": "Licensing system",
        "events": ["application.submitted", "application.state_changed"],
    })
    assert page.status_code == 200
    html = page.content.decode()
    assert "It will not be shown again" in html
    (secret,) = re.findall(r'select-all">(whsec_[A-Za-z0-9_\-]+)<', html)
    return secret


def test_receiver_written_from_the_guide_accepts_real_deliveries(client, people, apps, doc_receiver):
    from manassa.applications.services import application_transition

    doc_receiver.secret = _add_endpoint_in_back_office(client, people["admin"], doc_receiver.url)
    # "Send a test event" on the Webhooks page.
    endpoint_link = re.search(r'/en/backoffice/entities/ENT-A/integrations/endpoints/(\d+)/ping/',
                              client.get("/en/backoffice/entities/ENT-A/integrations/").content.decode())
    assert client.post(endpoint_link.group(0)).status_code == 302
    application_transition(actor=people["officer"], application=apps["a1"], action="start_review")
    run_tasks()
    assert doc_receiver.refused == []
    assert [event["type"] for event in doc_receiver.accepted] == ["ping", "application.state_changed"]
    changed = doc_receiver.accepted[1]
    assert changed["entity"] == "ENT-A"
    assert changed["data"] == {"reference": apps["a1"].reference, "state": "in_review", "action": "start_review",
                               "from_state": "submitted", "to_state": "in_review", "outcome": "", "closed": False}
    # The guide's "created": ISO 8601, UTC.
    assert changed["created"].endswith("Z")


def test_guide_verifiers_refuse_what_the_guide_says_to_refuse(client, people, apps, doc_receiver):
    """Tampered bodies, wrong secrets and stale timestamps fail both verifiers: the guide's checks have teeth."""
    from manassa.applications.services import application_transition

    secret = _add_endpoint_in_back_office(client, people["admin"], doc_receiver.url)
    captured = []
    doc_receiver.secret = secret
    original = doc_receiver.check

    def capture(raw, header, **kwargs):
        captured.append((raw, header))
        return original(raw, header, **kwargs)

    doc_receiver.check = capture
    application_transition(actor=people["officer"], application=apps["a1"], action="start_review")
    run_tasks()
    (raw, header), = captured
    timestamp = int(dict(p.split("=", 1) for p in header.split(","))["t"])
    example = guide_example(secret)
    assert verify_from_steps(secret, raw, header, time.time())["type"] == "application.state_changed"
    tampered = raw.replace(b"in_review", b"approved")
    for attempt in (
        lambda: verify_from_steps(secret, tampered, header, time.time()),
        lambda: example(tampered, header),
        lambda: verify_from_steps(secret + "x", raw, header, time.time()),
        lambda: verify_from_steps(secret, raw, header, timestamp + TOLERANCE + 1),
        lambda: example(raw, header, now=timestamp - TOLERANCE - 1),
        lambda: example(raw, header.split(",")[0]),
    ):
        with pytest.raises(ValueError):
            attempt()
    # Re-encoded JSON is not the raw body (step 1).
    reencoded = json.dumps(json.loads(raw)).encode()
    with pytest.raises(ValueError):
        example(reencoded, header)
