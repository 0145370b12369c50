"""A real webhook receiver for the tests: an HTTP server on loopback that keeps every POST and
answers as told, and checks what it got with the `standardwebhooks` package."""

import http.server
import json
import threading
import time

from standardwebhooks.webhooks import Webhook as Verifier


class Receiver:
    """Answers each POST with the next of `statuses` (200 once they are used up). While `hold`
    is clear, a request waits (at most 30 s) before it is answered."""

    def __init__(self):
        self.received: list[dict] = []
        self.statuses: list[int] = []
        self.hold = threading.Event()
        self.hold.set()
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.received.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.hold.wait(30)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, seconds: float = 60) -> list[dict]:
        """The requests once there are `count` of them (or fewer, after `seconds`)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    break
            time.sleep(0.05)
        with self.lock:
            return list(self.received)

    def events(self, secret: str) -> list[dict]:
        """Every request's event, each verified with `secret` (a failure raises)."""
        with self.lock:
            received = list(self.received)
        return [Verifier(secret).verify(r["body"], r["headers"]) for r in received]


def ids(requests_: list[dict]) -> list[str]:
    return [r["headers"]["webhook-id"] for r in requests_]


def event_of(request: dict) -> dict:
    return json.loads(request["body"])
