"""A sandbox SMS gateway: a small real HTTP server speaking the adapter's protocol, for development and tests.

    python -m manassa.notifications.sandbox --port 8025      (or: manassa sms_sandbox --port 8025)

``POST /messages``  a message ``{"to", "text", "sender", "reference"}``; answers ``{"id": …}``.
                    An ``Idempotency-Key`` seen before gets the first answer again and nothing is recorded.
``GET /messages``   every message accepted, in order (``{"messages": [...], "requests": n}``).
``POST /control``   ``{"fail": [{"status": 429, "retry_after": 30}, {"status": 500}], "delay": 2.5,
                    "token": "…"}``: answer the next requests with those statuses (one each, in order),
                    wait ``delay`` seconds before answering each message (it is recorded first, as a real
                    gateway would have taken it), require this bearer token.
``POST /reset``     forget everything.

It prints ``listening on http://127.0.0.1:PORT`` once ready (``--port 0``: a free port).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SandboxState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.messages: list[dict] = []
        self.answers: dict[str, dict] = {}  # idempotency key → first answer
        self.fail: list[dict] = []
        self.delay = 0.0
        self.token = ""
        self.requests = 0


class SandboxHandler(BaseHTTPRequestHandler):
    server_version = "ManassaSmsSandbox/1"
    state: SandboxState

    def log_message(self, format, *args):  # noqa: A002 — quiet: tests read stdout for the port only
        return

    def _json(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return {}

    def do_GET(self):  # noqa: N802
        if self.path.rstrip("/") == "/messages":
            with self.state.lock:
                return self._json(200, {"messages": list(self.state.messages), "requests": self.state.requests})
        return self._json(404, {"error": "not found"})

    def do_POST(self):  # noqa: N802
        state, path, body = self.state, self.path.rstrip("/"), self._body()
        if path == "/control":
            with state.lock:
                state.fail.extend(body.get("fail") or [])
                state.delay = float(body.get("delay", state.delay))
                state.token = str(body.get("token", state.token))
            return self._json(200, {"ok": True})
        if path == "/reset":
            with state.lock:
                state.reset()
            return self._json(200, {"ok": True})
        if path != "/messages":
            return self._json(404, {"error": "not found"})
        key = self.headers.get("Idempotency-Key") or ""
        with state.lock:
            state.requests += 1
            if state.token and self.headers.get("Authorization") != f"Bearer {state.token}":
                return self._json(401, {"error": "bad token"})
            if state.fail:
                failure = state.fail.pop(0)
                headers = {"Retry-After": str(failure["retry_after"])} if failure.get("retry_after") else {}
                return self._json(int(failure.get("status", 500)), {"error": "sandbox failure"}, headers)
            if key and key in state.answers:
                return self._json(200, state.answers[key])
            if not body.get("to") or not body.get("text"):
                return self._json(400, {"error": "to and text are required"})
            answer = {"id": f"sbx-{uuid.uuid4().hex[:12]}", "status": "accepted"}
            state.messages.append({**body, "id": answer["id"], "idempotency_key": key, "at": time.time()})
            if key:
                state.answers[key] = answer
            delay = state.delay
        if delay:
            time.sleep(delay)
        return self._json(200, answer)


def make_server(host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    handler = type("Handler", (SandboxHandler,), {"state": SandboxState()})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve(host: str = "127.0.0.1", port: int = 0, out=sys.stdout) -> None:
    server = make_server(host, port)
    out.write(f"listening on http://{host}:{server.server_address[1]}\n")
    out.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Sandbox SMS gateway for Manassa")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args(argv)
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
