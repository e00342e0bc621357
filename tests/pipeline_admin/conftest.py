import io
import json
import urllib.request
from datetime import date

import pytest
from django.conf import settings

from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create

HEADER = "OrderID,Customer,Amount,Status,OrderDate\n"


def _moto_api(path: str, body: dict) -> None:
    request = urllib.request.Request(settings.AWS_ENDPOINT_URL + path, data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(request, timeout=5).close()


@pytest.fixture
def crawl_transition():
    """Set how moto moves a Glue crawl from RUNNING to COMPLETED; restored after the test."""

    def set_transition(**transition) -> None:
        _moto_api("/moto-api/state-manager/set-transition", {"model_name": "glue::crawl", "transition": transition})

    yield set_transition
    _moto_api("/moto-api/state-manager/unset-transition", {"model_name": "glue::crawl"})


@pytest.fixture
def processed(twin):
    """Upload a CSV and let the real Lambda handler write its Parquet to processed/."""

    def process(rows: str, *, as_of: str = "2025-06-01", name: str = "orders.csv") -> None:
        upload_create(
            user=None, fileobj=io.BytesIO((HEADER + rows).encode()), name=name, as_of=date.fromisoformat(as_of)
        )
        runtime_drain()

    return process


@pytest.fixture
def course_processed(twin, shared_data):
    with (shared_data / "orders.csv").open("rb") as fileobj:
        upload_create(user=None, fileobj=fileobj, name="orders.csv", as_of=date(2025, 6, 1))
    runtime_drain()
