"""The HTTP server's own refusals in problem+json, like every other answer.

A request whose request line and headers uvicorn's parser cannot take (not HTTP, or longer than its
limit: a 100 kB cursor) never reaches the app; uvicorn answered it with a plain-text 400. These
protocols answer it with the problem document of a malformed request instead.
"""

from __future__ import annotations

import asyncio

import msgspec

from api.problems import MEDIA_TYPE, problem_body

DETAIL = ("the request is not valid HTTP/1.1, or its request line and headers are too long for the server "
          "(a query or header of many kilobytes); no parameter of this API needs that much")


def refusal() -> bytes:
    """The body of the server's 400: the problem of a malformed request, as the app words it."""
    body = problem_body(400, "unreadable-request", "The server cannot read the request", DETAIL, "")
    del body["instance"]  # the parser could not read the path
    return msgspec.json.encode(body)


def _httptools_protocol() -> type[asyncio.Protocol]:
    from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

    class ProblemHttpToolsProtocol(HttpToolsProtocol):
        def send_400_response(self, msg: str) -> None:
            body = refusal()
            content = [STATUS_LINE[400]]
            for name, value in self.server_state.default_headers:
                content.extend([name, b": ", value, b"\r\n"])
            content.extend([b"content-type: ", MEDIA_TYPE.encode(), b"\r\ncontent-length: ", str(len(body)).encode(),
                            b"\r\nconnection: close\r\n\r\n", body])
            self.transport.write(b"".join(content))
            self.transport.close()

    return ProblemHttpToolsProtocol


def _h11_protocol() -> type[asyncio.Protocol]:
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class ProblemH11Protocol(H11Protocol):
        def send_400_response(self, msg: str) -> None:
            body = refusal()
            headers = [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode()),
                       (b"connection", b"close")]
            for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"), h11.Data(data=body),
                          h11.EndOfMessage()):
                self.transport.write(self.conn.send(event))
            self.transport.close()

    return ProblemH11Protocol


def http_protocol() -> type[asyncio.Protocol]:
    """uvicorn's choice (httptools when it is installed, else h11), answering in problem+json."""
    try:
        import httptools  # noqa: F401
    except ImportError:
        return _h11_protocol()
    return _httptools_protocol()
