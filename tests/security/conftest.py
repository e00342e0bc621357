import io
from datetime import date

import pytest
from django.contrib.auth.models import Group, User

from ordersite.roles import UPLOADERS
from pipeline_admin.models import CrawlerRun, Upload
from pipeline_admin.services import upload_create

ORDERS = b"OrderID,Customer,Amount,Status,OrderDate\nA-1,Acme,10.00,confirmed,2025-05-01\n"


@pytest.fixture
def other_uploader(uploader):
    user = User.objects.create_user(username="uploader2", password="pw-uploader2")
    user.groups.add(Group.objects.get(name=UPLOADERS))
    return user


@pytest.fixture
def url_objects(twin, uploader, other_uploader, pipeline_admin) -> dict:
    """Real objects for every URL parameter: each user's own upload, a crawl run, a report slug."""
    own = upload_create(user=uploader, fileobj=io.BytesIO(ORDERS), name="mine.csv", as_of=date(2025, 6, 1))
    other = upload_create(user=other_uploader, fileobj=io.BytesIO(ORDERS.replace(b"A-1", b"B-1")), name="theirs.csv")
    run = CrawlerRun.objects.create(requested_by=pipeline_admin, state=CrawlerRun.State.SUCCEEDED)
    return {
        "own_upload": {"pk": own.pk},
        "other_upload": {"pk": other.pk},
        "run": {"pk": run.pk},
        "report": {"slug": "kpis"},
    }


@pytest.fixture
def url_ids(uploader, other_uploader, pipeline_admin) -> dict:
    """Database rows only, for requests the middleware answers before any view (and S3) is reached."""
    own = Upload.objects.create(key="raw/x/own.csv", original_name="own.csv", size=1, sha256="a", uploaded_by=uploader)
    other = Upload.objects.create(
        key="raw/x/other.csv", original_name="other.csv", size=1, sha256="b", uploaded_by=other_uploader
    )
    run = CrawlerRun.objects.create(requested_by=pipeline_admin, state=CrawlerRun.State.SUCCEEDED)
    return {
        "own_upload": {"pk": own.pk},
        "other_upload": {"pk": other.pk},
        "run": {"pk": run.pk},
        "report": {"slug": "kpis"},
    }
