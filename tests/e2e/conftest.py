"""A real Chromium (the distribution's package) against the live site on 127.0.0.1, with the
twin's Lambda runtime and the status sync running in a background thread, as Celery beat and
the runtime do in `make run`."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="package")
def browser():
    # Playwright's sync API keeps an event loop in the test thread while the browser lives;
    # Django's async guard would refuse the tests' own ORM calls (the documented setting for
    # this case), so it is set only for as long as the browser runs.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    path = chromium_path()
    if not path:
        pytest.fail("chromium is not installed: `make install` installs the distribution's package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser, live_server, request, settings):
    # The page sends upload parts straight to the twin's bucket, whose CORS rule allows only the
    # site's origin: here the live server's (the twin fixture's bootstrap sets the rule).
    settings.UPLOAD_CORS_ORIGINS = [live_server.url]
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    tab = context.new_page()
    tab.shot_dir = ARTIFACTS / request.node.name
    tab.shot_dir.mkdir(parents=True, exist_ok=True)
    yield tab
    context.close()


def screenshot(page, name: str) -> None:
    page.screenshot(path=str(page.shot_dir / f"{name}.png"), full_page=True)


def login(page, username: str, next_path: str = "") -> None:
    """Sign in through the form; `next_path` sends the browser to a page other than the role's home
    (the dashboard computes its cards, which a test about something else need not wait for)."""
    page.goto("/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-" + username)
    page.click("button[type=submit]")


@pytest.fixture
def pipeline_loop(twin):
    """The twin's background work: the Lambda runtime and the status sync, until the test ends."""
    from pipeline_admin.runtime import runtime_poll_once
    from pipeline_admin.services import uploads_sync

    stop = threading.Event()

    def loop():
        try:
            while not stop.is_set():
                runtime_poll_once(wait_seconds=0)
                uploads_sync()
                stop.wait(0.5)
        finally:
            connections.close_all()  # this thread's own connection to the test database (a file)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(10)
