"""A local fake of the Telegram Bot API, served over real HTTP on 127.0.0.1.

python-telegram-bot talks to it through ``base_url`` exactly as it would to Telegram. The
fake records every call (method, fields, uploaded files), serves queued updates to
``getUpdates`` and can be told to fail the next calls (HTTP 502, or 429 with retry_after),
to refuse a chat (403, the user blocked the bot), to reject the token (401), or to take a
message and lose its reply (the connection closes before the answer) or answer it late.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

BOT_USER = {
    "id": 424242,
    "is_bot": True,
    "first_name": "Pulse",
    "username": "pulse_sales_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    method: str
    fields: dict[str, str]
    files: dict[str, bytes] = field(default_factory=dict)


class FakeBotApi:
    def __init__(self, token: str = "123456:TEST"):
        self.token = token
        self.calls: list[Call] = []
        self.failures: list[tuple[int, int | None, str]] = []  # status, retry_after, method
        self.blocked_chats: set[int] = set()
        self.token_rejected = False
        self.replies_to_lose = 0
        self.slow_replies: list[float] = []  # seconds to wait before answering a message
        self._updates: list[dict] = []
        self._next_update_id = 1
        self._next_message_id = 1
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/bot"

    def __enter__(self) -> FakeBotApi:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- what tests use ---------------------------------------------------------------
    def fail_next(
        self, count: int, status: int = 502, retry_after: int | None = None, method: str = ""
    ) -> None:
        """Fail the next ``count`` calls (of ``method`` only, when given)."""
        with self._lock:
            self.failures.extend([(status, retry_after, method)] * count)

    def block_chat(self, chat_id: int) -> None:
        """Answer every message to ``chat_id`` with 403, as when the user blocked the bot."""
        with self._lock:
            self.blocked_chats.add(chat_id)

    def lose_next_replies(self, count: int) -> None:
        """Deliver (and record) the next ``count`` messages but close without a reply."""
        with self._lock:
            self.replies_to_lose += count

    def slow_next_replies(self, count: int, seconds: float) -> None:
        """Deliver (and record) the next ``count`` messages, answering ``seconds`` late."""
        with self._lock:
            self.slow_replies.extend([seconds] * count)

    def send_command(self, chat_id: int, text: str) -> None:
        """Queue a message from a user, as Telegram would deliver it to getUpdates."""
        with self._lock:
            command = text.split()[0]
            self._updates.append(
                {
                    "update_id": self._next_update_id,
                    "message": {
                        "message_id": 10_000 + self._next_update_id,
                        "date": int(time.time()),
                        "chat": {"id": chat_id, "type": "private", "first_name": "Head"},
                        "from": {"id": chat_id, "is_bot": False, "first_name": "Head"},
                        "text": text,
                        "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
                    },
                }
            )
            self._next_update_id += 1

    def sent(self, method: str | None = None, chat_id: int | None = None) -> list[Call]:
        with self._lock:
            return [
                call
                for call in self.calls
                if (method is None or call.method == method)
                and (chat_id is None or call.fields.get("chat_id") == str(chat_id))
            ]

    def wait_for(self, predicate, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out; calls so far: {[c.method for c in self.calls]}")

    # -- the server ---------------------------------------------------------------------
    def _answer(self, call: Call) -> tuple[int, dict] | None:
        """The status and body to answer with; None to close without answering."""
        with self._lock:
            if self.token_rejected:
                return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            chat = call.fields.get("chat_id")
            if chat is not None and chat.lstrip("-").isdigit() and int(chat) in self.blocked_chats:
                description = "Forbidden: bot was blocked by the user"
                return 403, {"ok": False, "error_code": 403, "description": description}
            failure = next(
                (f for f in self.failures if f[2] in ("", call.method)),
                None,
            )
            if call.method != "getUpdates" and failure:
                self.failures.remove(failure)
                status, retry_after, _ = failure
                body = {"ok": False, "error_code": status, "description": "Bad Gateway"}
                if retry_after is not None:
                    body["description"] = "Too Many Requests"
                    body["parameters"] = {"retry_after": retry_after}
                return status, body
            self.calls.append(call) if call.method != "getUpdates" else None
        if call.method == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        if call.method == "getUpdates":
            return 200, {"ok": True, "result": self._poll(call)}
        if call.method in ("sendMessage", "sendPhoto"):
            result = {"ok": True, "result": self._message(call)}
            with self._lock:
                if self.replies_to_lose:
                    self.replies_to_lose -= 1
                    return None
                delay = self.slow_replies.pop(0) if self.slow_replies else 0
            time.sleep(delay)
            return 200, result
        return 200, {"ok": True, "result": True}

    def _poll(self, call: Call) -> list[dict]:
        offset = int(call.fields.get("offset") or 0)
        deadline = time.monotonic() + min(float(call.fields.get("timeout") or 0), 0.5)
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or time.monotonic() >= deadline:
                    return list(self._updates)
            time.sleep(0.02)

    def _message(self, call: Call) -> dict:
        with self._lock:
            message_id = self._next_message_id
            self._next_message_id += 1
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": int(call.fields["chat_id"]), "type": "private"},
            "from": BOT_USER,
        }
        if call.method == "sendMessage":
            message["text"] = call.fields.get("text", "")
        else:
            message["photo"] = [
                {"file_id": f"photo{message_id}", "file_unique_id": f"u{message_id}",
                 "width": 640, "height": 480}
            ]  # fmt: skip
        return message

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                prefix = f"/bot{fake.token}/"
                if not self.path.startswith(prefix):
                    self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                call = _parse(self.path[len(prefix) :], self.headers.get("Content-Type", ""), body)
                answered = fake._answer(call)
                if answered is None:  # delivered, but the reply is lost on the way back
                    self.close_connection = True
                    return
                self._reply(*answered)

            do_GET = do_POST

            def _reply(self, status: int, answer: dict) -> None:
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client stopped waiting
                    self.close_connection = True

        return Handler


def _parse(method: str, content_type: str, body: bytes) -> Call:
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        fields, files = {}, {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename():
                files[name] = payload
            else:
                fields[name] = payload.decode()
        return Call(method, fields, files)
    if content_type.startswith("application/json") and body:
        data = json.loads(body)
        return Call(
            method, {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
        )
    parsed = parse_qs(body.decode(), keep_blank_values=True)
    return Call(method, {key: values[-1] for key, values in parsed.items()})
