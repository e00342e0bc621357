"""The twin reads a request's body to its Content-Length in one read (`_Body`), over a real socket
(werkzeug's server, as `twin serve` runs it): the bytes stored are the bytes sent, a chunked body is
still werkzeug's to read, and a body cut short is refused, not stored short."""

import hashlib
import http.client
import os
import socket
import threading
from collections.abc import Iterator

import pytest
from werkzeug import wsgi
from werkzeug.serving import make_server

from pipeline_admin.twin_server import QuietRequestHandler, _App

AUTH = "AWS4-HMAC-SHA256 Credential=x/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x"
BUCKET = "request-body-test"


@pytest.fixture
def port() -> Iterator[int]:
    server = make_server("127.0.0.1", 0, _App(None), threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    request("POST", server.server_port, "/moto-api/reset")
    assert request("PUT", server.server_port, f"/{BUCKET}")[0] == 200
    yield server.server_port
    request("POST", server.server_port, "/moto-api/reset")
    server.shutdown()


def request(method: str, port: int, path: str, body: bytes | None = None, headers=None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=body, headers={"Authorization": AUTH, **(headers or {})})
    response = connection.getresponse()
    answer = response.status, dict(response.getheaders()), response.read()
    connection.close()
    return answer


@pytest.fixture
def piece_reads(monkeypatch) -> list[int]:
    """How often werkzeug's own reader read a whole body in pieces (`LimitedStream.readall`)."""
    calls: list[int] = []
    readall = wsgi.LimitedStream.readall

    def counted(self):
        calls.append(1)
        return readall(self)

    monkeypatch.setattr(wsgi.LimitedStream, "readall", counted)
    return calls


@pytest.mark.parametrize("size", [0, 100, 700_000, 6_000_001])  # the last past moto's 5 MB buffer: a file
def test_a_body_is_stored_as_sent_read_in_one_piece(port, piece_reads, size):
    body = os.urandom(size)
    status, headers, _ = request("PUT", port, f"/{BUCKET}/out/{size}.bin", body)
    assert status == 200
    assert headers["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'  # S3's ETag of a PutObject: the body's MD5
    assert request("GET", port, f"/{BUCKET}/out/{size}.bin")[::2] == (200, body)
    assert piece_reads == []


def test_a_chunked_body_is_read_by_werkzeug_and_stored_whole(port):
    pieces = [os.urandom(70_000), b"x", os.urandom(3)]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "PUT",
        f"/{BUCKET}/out/chunked.bin",
        body=iter(pieces),
        encode_chunked=True,
        headers={"Authorization": AUTH, "Transfer-Encoding": "chunked"},
    )
    assert connection.getresponse().status == 200
    connection.close()
    assert request("GET", port, f"/{BUCKET}/out/chunked.bin")[::2] == (200, b"".join(pieces))


def test_a_body_shorter_than_its_length_is_refused_and_not_stored(port):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        head = (
            f"PUT /{BUCKET}/out/short.bin HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH}\r\nContent-Length: 1000\r\n\r\n"
        )
        sock.sendall(head.encode() + b"y" * 400)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while data := sock.recv(65536):
            answer += data
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert request("HEAD", port, f"/{BUCKET}/out/short.bin")[0] == 404
