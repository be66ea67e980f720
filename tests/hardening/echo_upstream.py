"""An upstream that echoes the caller's key back: in answers, error bodies and streams.

stdlib ``http.server`` on loopback, in a thread: an independent server the client has never
been tuned against. The model name picks the behaviour: ``echo-ok`` answers 200 with the key in
the content, ``echo-stream`` streams it split across chunks, ``echo-401`` / ``echo-500`` put it
in an error body (OpenAI envelope, no keyword next to it).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        key = (self.headers.get("authorization") or "").removeprefix("Bearer ")
        model = str(body.get("model", ""))
        if model == "echo-stream":
            self._stream(key)
        elif model in ("echo-401", "echo-500"):
            status = int(model[-3:])
            self._send(status, {"error": {"message": f"rejected {key}", "type": "invalid_request_error"}})
        else:
            self._send(200, _completion(f"Your key is {key}. Anything else?"))

    def _send(self, status: int, doc: dict[str, object]) -> None:
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, key: str) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()
        middle = len(key) // 2
        for piece in ("Your key is ", key[:middle], key[middle:], " indeed."):
            chunk = {"id": "chatcmpl-echo", "object": "chat.completion.chunk", "created": 0, "model": "echo",
                     "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        end = {"id": "chatcmpl-echo", "object": "chat.completion.chunk", "created": 0, "model": "echo",
               "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
        self.wfile.flush()
        self.close_connection = True


def _completion(text: str) -> dict[str, object]:
    return {
        "id": "chatcmpl-echo",
        "object": "chat.completion",
        "created": 0,
        "model": "echo",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


@contextmanager
def echo_upstream() -> Iterator[str]:
    """Serve on a free loopback port; yields the base URL (``http://127.0.0.1:PORT/v1``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
