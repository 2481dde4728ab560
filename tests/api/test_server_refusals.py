"""What the HTTP server refuses before the app sees it is problem+json too (a 100 kB cursor was a
plain-text 400 from uvicorn's parser)."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import msgspec
import pytest
import uvicorn

from api.server import _h11_protocol, _httptools_protocol, http_protocol


async def app(scope, receive, send):  # the app is never reached by what these tests send
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture(params=[_httptools_protocol, _h11_protocol], ids=["httptools", "h11"])
def served(request):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, http=request.param(), log_config=None, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield Served(f"http://127.0.0.1:{sock.getsockname()[1]}", request.param().__name__)
    server.should_exit = True
    thread.join(5)


class Served(str):
    def __new__(cls, url: str, protocol: str) -> Served:
        served = super().__new__(cls, url)
        served.protocol = protocol
        return served


def raw_get(base: str, target: str, header: str = "") -> tuple[str, dict[str, str], bytes]:
    """GET over a socket: httpx itself refuses a URL over 64 kB."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n{header}Connection: close\r\n\r\n".encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    return status, {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}, body


def test_a_request_that_is_not_http_gets_a_problem_document(served):
    assert_unreadable(*raw_get(served, "/systems HTTP/1.1 and more"))


def test_a_query_too_long_for_the_parser_gets_a_problem_document(served):
    if "HttpTools" not in served.protocol:
        pytest.skip("h11 takes a 100 kB request line: the app's own limits answer it (tests/api/test_openapi_truth.py)")
    assert_unreadable(*raw_get(served, "/systems?cursor=" + "a" * 100_000))


def assert_unreadable(status: str, headers: dict[str, str], body: bytes) -> None:
    assert status.split()[1] == "400"
    assert headers["content-type"] == "application/problem+json"
    problem = msgspec.json.decode(body)
    assert problem["type"] == "/problems/unreadable-request" and problem["status"] == 400
    assert "too long" in problem["detail"] and "not valid HTTP" in problem["detail"]


def test_a_request_the_parser_takes_reaches_the_app(served):
    assert httpx.get(f"{served}/systems", params={"cursor": "a" * 1000}).text == "ok"


def test_the_serve_command_runs_uvicorn_with_these_protocols(monkeypatch):
    from ansvar import cli

    served = {}
    monkeypatch.setenv("ANSVAR_AUTH_SECRET", "s" * 40)
    monkeypatch.setenv("ANSVAR_DATABASE_URL", "memory://")
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: served.update(kw))
    assert cli.main(["serve", "--port", "8766"]) == 0
    assert served["http"].__name__ == http_protocol().__name__
