"""
A minimal keep-alive HTTP/1.1 server for the per-call benchmark (standard library, asyncio).

It answers every request with the same stopped-stream JSON object, as SignalWire answers a stop,
and does nothing else, so the client under test is the only thing being measured. Run as a
separate process: ``python fastserver.py`` prints ``{"port": N}`` on one line, then serves until
stdin closes. Loopback only.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys

STREAM = {
    "account_sid": "test-project",
    "conference_sid": "cb89326f-fa42-517f-b106-65bf21525f75",
    "date_updated": "Wed, 25 Nov 2026 14:40:34 GMT",
    "name": "demo-stream",
    "sid": "8da25362-7b9a-58c9-828d-1325ffbf92d0",
    "status": "stopped",
    "uri": "/api/laml/2010-04-01/Accounts/test-project/Conferences/"
    "cb89326f-fa42-517f-b106-65bf21525f75/Streams/8da25362-7b9a-58c9-828d-1325ffbf92d0.json",
}
BODY = json.dumps(STREAM).encode()
RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: application/json; charset=utf-8\r\n"
    b"Content-Length: " + str(len(BODY)).encode() + b"\r\n"
    b"Date: Wed, 25 Nov 2026 14:40:34 GMT\r\n"
    b"\r\n" + BODY
)


class Answer(asyncio.Protocol):
    """Parse just enough HTTP/1.1 (headers, Content-Length body) to answer each request."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.buffer = b""
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            length = 0
            at = head.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                length = int(head[at + 17 : stop if stop >= 0 else len(head)].strip() or 0)
            total = end + 4 + length
            if len(self.buffer) < total:
                return
            self.buffer = self.buffer[total:]
            self.transport.write(RESPONSE)  # type: ignore[attr-defined]


async def main() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Answer, "127.0.0.1", 0, backlog=512)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"port": port}), flush=True)
    # Serve until the parent closes our stdin (or dies).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
