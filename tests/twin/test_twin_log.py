"""The twin's log: a request is an INFO line only when the twin failed it."""

import logging
import threading
import urllib.error
import urllib.request

from werkzeug.serving import make_server

from pipeline_admin.twin_server import QuietRequestHandler


def app(environ, start_response):
    status = {"/ok": "200 OK", "/missing": "404 Not Found"}.get(environ["PATH_INFO"], "500 Internal Server Error")
    start_response(status, [("Content-Type", "text/plain")])
    return [b"x"]


def test_routine_requests_are_not_logged_at_info_but_a_failed_one_is(caplog):
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            for path in ("/ok", "/missing", "/broken"):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=5).close()
                except urllib.error.HTTPError:
                    pass
        logged = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
        assert logged == ['"GET /broken HTTP/1.1" 500 -']
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="werkzeug"):
            urllib.request.urlopen(f"http://127.0.0.1:{server.port}/ok", timeout=5).close()
        assert [r.levelname for r in caplog.records if r.name == "werkzeug"] == ["DEBUG"]
    finally:
        server.shutdown()
