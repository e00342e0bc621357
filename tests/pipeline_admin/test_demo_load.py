"""`make run` loads the demo file once, recognised by its content rather than its name."""

import io
from io import StringIO

from django.conf import settings

from pipeline_admin import selectors
from pipeline_admin.management.commands.run_local import DEMO_FILE, Command
from pipeline_admin.services import upload_create


def demo_output() -> str:
    out = StringIO()
    command = Command(stdout=out)
    command._load_demo()
    return out.getvalue()


def test_another_file_named_orders_csv_does_not_count_as_the_demo_but_a_renamed_copy_does(twin, uploader):
    other = upload_create(user=uploader, fileobj=io.BytesIO(b"OrderID,Amount\nX1,1.00\n"), name="orders.csv")
    demo_bytes = (settings.BASE_DIR / "demo" / "orders.csv").read_bytes()
    assert selectors.content_holder(sha256=selectors.file_sha256(DEMO_FILE)) is None
    copy = upload_create(user=uploader, fileobj=io.BytesIO(demo_bytes), name="renamed.csv")
    assert selectors.content_holder(sha256=selectors.file_sha256(DEMO_FILE)) == copy != other
    said = demo_output()
    assert said.startswith(f"demo data already loaded: orders.csv's content is upload {copy.pk} (renamed.csv,")
