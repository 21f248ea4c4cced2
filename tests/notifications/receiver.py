"""A real HTTP receiver on 127.0.0.1 for webhook tests: records every request, answers as told."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() on arrival
    connection: int  # the client's port: requests on one kept-alive connection share it


@dataclass
class Answer:
    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a hanging receiver)
    drip: float = 0.0  # seconds between the body's bytes (a receiver dripping its answer)


class Receiver:
    """`answer` decides each response from the request number (1-based); default 200."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.dripped = 0  # body bytes written by the last dripping answer
        self.answer: Callable[[int], Answer] = lambda n: Answer()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers answer

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.requests.append(
                        Received(
                            self.path, dict(self.headers), body, time.monotonic(), self.client_address[1]
                        )
                    )
                    answer = receiver.answer(len(receiver.requests))
                time.sleep(answer.delay)
                # A 204/304 has no content (RFC 9110): bytes after it would corrupt the next
                # answer on the kept-alive connection, as no real receiver's do.
                content = b"" if answer.status in (204, 304) else answer.body
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    if not answer.drip:
                        self.wfile.write(content)
                    for index in range(len(content) if answer.drip else 0):
                        self.wfile.write(content[index : index + 1])
                        self.wfile.flush()
                        receiver.dripped = index + 1
                        time.sleep(answer.drip)
                except OSError:  # the client gave up (timeout): nothing to answer
                    pass

            def log_message(self, *args) -> None:  # keep test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def always(self, answer: Answer) -> None:
        self.answer = lambda n: answer

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
