"""A fault-injecting HTTP proxy in front of the local AWS-protocol server.

Requests pass through to ``moto_server`` unchanged unless a rule matches: then the proxy
answers with a throttling or 5xx error *without* forwarding (the call did nothing), or, for
Kinesis ``PutRecords``, forwards only part of the batch and reports the rest as throttled
(a partial failure, exactly as Kinesis reports one).
"""

from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Rule:
    """Fail the next ``times`` requests whose target (``X-Amz-Target`` or HTTP method and
    path) contains ``match``."""

    match: str
    times: int
    kind: str = "throttle"  # throttle | 500 | partial
    hits: int = 0


@dataclass
class FaultProxy:
    """A running proxy; ``url`` replaces the server's endpoint in the settings."""

    upstream: str
    rules: list[Rule] = field(default_factory=list)
    url: str = ""
    injected: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def rule_for(self, target: str) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.match in target and rule.hits < rule.times:
                    rule.hits += 1
                    self.injected += 1
                    return rule
        return None

    def start(self) -> FaultProxy:
        proxy = self
        up = urlsplit(self.upstream)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                headers["Content-Length"] = str(len(body))
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                return resp.status, resp.getheaders(), data

            def _reply(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
                self.send_response(status)
                head = self.command == "HEAD"
                dropped = ("transfer-encoding", "connection") + (
                    () if head else ("content-length",)
                )
                for key, value in headers:
                    if key.lower() not in dropped:
                        self.send_header(key, value)
                if not head:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if not head:
                    self.wfile.write(data)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                target = self.headers.get("X-Amz-Target") or f"{self.command} {self.path}"
                rule = proxy.rule_for(target)
                if rule is None:
                    self._reply(*self._forward(body))
                    return
                if rule.kind == "partial" and "PutRecords" in target:
                    self._partial(body)
                    return
                json_protocol = "json" in (self.headers.get("Content-Type") or "")
                if not json_protocol:  # S3 and the query-protocol services (SNS, ...)
                    code = b"InternalError" if rule.kind == "500" else b"SlowDown"
                    status = 500 if rule.kind == "500" else 503
                    xml = (
                        b"<?xml version='1.0' encoding='UTF-8'?><ErrorResponse><Error>"
                        b"<Type>Receiver</Type><Code>" + code + b"</Code>"
                        b"<Message>injected</Message></Error></ErrorResponse>"
                    )
                    self._reply(status, [("Content-Type", "text/xml")], xml)
                    return
                if rule.kind == "500":
                    payload = {"__type": "InternalFailure", "message": "injected 500"}
                    status = 500
                elif "Kinesis" in target:
                    payload = {
                        "__type": "ProvisionedThroughputExceededException",
                        "message": "Rate exceeded (injected)",
                    }
                    status = 400
                else:
                    payload = {
                        "__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                        "message": "Rate exceeded (injected)",
                    }
                    status = 400
                data = json.dumps(payload).encode()
                self._reply(status, [("Content-Type", "application/x-amz-json-1.1")], data)

            def _partial(self, body: bytes) -> None:
                request = json.loads(body)
                records = request["Records"]
                keep = records[: max(1, len(records) // 2)]
                status, headers, data = self._forward(
                    json.dumps({**request, "Records": keep}).encode()
                )
                if status != 200:
                    self._reply(status, headers, data)
                    return
                answer = json.loads(data)
                failed = [
                    {
                        "ErrorCode": "ProvisionedThroughputExceededException",
                        "ErrorMessage": "Rate exceeded for shard (injected)",
                    }
                    for _ in records[len(keep) :]
                ]
                answer["Records"] = answer["Records"] + failed
                answer["FailedRecordCount"] = len(failed)
                self._reply(200, headers, json.dumps(answer).encode())

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
