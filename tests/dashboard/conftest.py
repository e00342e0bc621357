import json
from io import StringIO

import pytest
from django.core.management import call_command


@pytest.fixture
def crawled(twin, shared_data):
    """The course data set uploaded, processed by the Lambda and crawled on the twin."""
    call_command("upload", str(shared_data / "orders.csv"), "--as-of", "2025-06-01", stdout=StringIO())
    call_command("lambda_runtime", "--drain", stdout=StringIO())
    call_command("crawl", "--wait", stdout=StringIO())


@pytest.fixture
def expected(shared_data) -> dict:
    return json.loads((shared_data / "orders.expected.json").read_text())


@pytest.fixture
def drill(client, django_capture_on_commit_callbacks):
    """GET a drill page the way a browser does: the first request starts the page's job (run
    here, as a worker would), the page asks again and shows the computed result."""

    def get(url: str, params: dict | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(url, params or {})
        return client.get(url, params or {}) if response.status_code == 202 else response

    return get
