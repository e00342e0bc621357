"""Every screen on a 390 px phone and in dark mode, accessible names, keyboard use, PNG export and
print, in a real Chromium. One page load per screen serves several checks; screenshots of each
state land in test-artifacts/e2e/screens-phone/."""

import re
import struct
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import ARTIFACTS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# Three months of Bob's orders: the KPI tiles also show the change against the three months before.
DASHBOARD_FILTERS = "start_date=2025-02-01&end_date=2025-04-30&customer=Bob"
FILTERS_TEXT = "filters: From 2025-02-01; To 2025-04-30; Customer Bob"
# axe-core (scripts/vendor_assets.py vendors it for the tests only), injected before each page's own scripts.
AXE = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"
AXE_RUN = """async () => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                                          resultTypes: ["violations"]});
  const where = (v) => v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ");
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${where(v)}`);
}"""
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Elements that stick out past the right edge of the viewport, outside any box that scrolls or
# clips sideways (those are what make the page itself scroll).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  return [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > width + 0.5 && !clipped(el))
    .map((el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${[...el.classList].join(".")}`
      + ` right=${Math.round(el.getBoundingClientRect().right)}: ${(el.textContent || "").trim().slice(0, 40)}`)
    .slice(0, 15);
}"""

# The contrast ratio (WCAG 2) of every visible element holding text against the background drawn
# behind it; the lowest ones first.
CONTRASTS = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    if (!own || box.width === 0 || box.height === 0 || el.closest(".visually-hidden, [hidden]")) continue;
    if (getComputedStyle(el).visibility === "hidden" || el.closest(".skip-link")) continue;
    let alpha = 1; // an element drawn at opacity < 1 blends its text into the background
    for (let e = el; e; e = e.parentElement) alpha *= Number(getComputedStyle(e).opacity);
    const behind = background(el);
    const ink = rgb(getComputedStyle(el).color).slice(0, 3).map((v, i) => v * alpha + behind[i] * (1 - alpha));
    const [a, b] = [lum(ink), lum(behind)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const name = el.tagName.toLowerCase() + "." + [...el.classList].join(".");
    out.push([Math.round(ratio * 100) / 100, name, el.textContent.trim().slice(0, 30)]);
  }
  return out.sort((x, y) => x[0] - y[0]).slice(0, 5);
}"""

# What activating a link, button or disclosure does: its URL, its form submission, or (a script's
# button, a <summary>) something of its own.
TAG_CONTROLS = """() => {
  const targets = {};
  document.querySelectorAll("a[href], button, summary, canvas, [role=button], [role=link]").forEach((el, i) => {
    el.setAttribute("data-ax", String(i));
    let target = `own:${i}`;
    if (el.tagName === "A") target = el.href;
    else if (el.tagName === "BUTTON" && el.form && el.type === "submit") {
      const data = [...new FormData(el.form)].filter(([k]) => k !== "csrfmiddlewaretoken").map(([k, v]) => `${k}=${v}`);
      target = `${el.form.method} ${el.formAction || el.form.action}?${data.join("&")}&${el.name}=${el.value}`;
    }
    targets[i] = target;
  });
  return targets;
}"""


def accessible_controls(page) -> list[dict]:
    """Chromium's own accessibility tree: role, computed name and target of every link, button,
    disclosure and canvas on the page."""
    targets = page.evaluate(TAG_CONTROLS)
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.getDocument", {"depth": -1})
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
        controls = []
        for node in nodes:
            if node.get("ignored") or "backendDOMNodeId" not in node:
                continue
            attributes = cdp.send("DOM.describeNode", {"backendNodeId": node["backendDOMNodeId"]})["node"]
            attributes = dict(zip(attributes.get("attributes", [])[::2], attributes.get("attributes", [])[1::2]))
            if "data-ax" not in attributes:
                continue
            controls.append(
                {
                    "role": node["role"]["value"],
                    "name": (node.get("name") or {}).get("value", "").strip(),
                    "tag": attributes.get("class", ""),
                    "target": targets[attributes["data-ax"]],
                    "canvas": "data-chart" in attributes,
                }
            )
        return controls
    finally:
        cdp.detach()


def check_names(page, where: str) -> list[str]:
    """Problems with accessible names: a nameless canvas, link or button; one name for two targets."""
    problems, seen = [], {}
    page.evaluate("document.querySelector('.nav-panel')?.classList.add('open')")  # the folded menu's links count
    controls = accessible_controls(page)
    page.evaluate("document.querySelector('.nav-panel')?.classList.remove('open')")
    for control in controls:
        if not control["name"]:
            problems.append(f"{where}: a {control['role']} ({control['tag']}) has no accessible name")
            continue
        if control["canvas"]:
            continue
        other = seen.setdefault(control["name"].lower(), control["target"])
        if other != control["target"]:
            problems.append(f"{where}: '{control['name']}' names two targets: {other} and {control['target']}")
    return problems


def colours(page) -> dict:
    return page.evaluate(
        "() => { const s = getComputedStyle(document.body); return {background: s.backgroundColor, text: s.color}; }"
    )


@pytest.fixture
def course_data(twin, shared_data):
    """The course file uploaded, processed, its status synced and crawled, all before the first
    page: no background loop changes the data version while the pages load."""
    from pipeline_admin.services import uploads_sync

    call_command("upload", str(shared_data / "orders.csv"), "--as-of", "2025-06-01", stdout=StringIO())
    call_command("lambda_runtime", "--drain", stdout=StringIO())
    uploads_sync()
    call_command("crawl", "--wait", stdout=StringIO())


def charts_drawn(page) -> None:
    """Waits until every card has computed and every chart has drawn."""
    expect(page.locator("canvas[data-chart][data-drawn='1']").first).to_be_visible(timeout=60_000)
    expect(page.locator(".card progress")).to_have_count(0, timeout=60_000)
    expect(page.locator("canvas[data-chart]:not([data-drawn='1'])")).to_have_count(0)


def test_on_a_phone_every_screen_fits_reads_in_dark_mode_works_by_keyboard_and_charts_export_and_print(
    browser, live_server, pipeline_admin, course_data
):
    from pipeline_admin.models import CrawlerRun, Upload

    context = browser.new_context(base_url=live_server.url, viewport=PHONE, device_scale_factor=1)
    context.set_default_timeout(20_000)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.shot_dir = _shots("phone")
    screens = {
        "login": "/accounts/login/?next=/pipeline/upload/",
        "dashboard": f"/dashboard/?{DASHBOARD_FILTERS}",
        "upload": "/pipeline/upload/",
        "files": "/pipeline/files/",
        "file-detail": f"/pipeline/files/{Upload.objects.get().pk}/",
        "crawler": "/pipeline/crawler/",
        "crawl": f"/pipeline/crawler/runs/{CrawlerRun.objects.latest('pk').pk}/",
        "catalog": "/pipeline/crawler/catalog/",
        "bucket": "/pipeline/bucket/?area=processed",
        "orders": "/dashboard/orders/?customer=Bob",
        "order-history": "/dashboard/orders/history/?order_id=O0001",
        "not-found": "/no/such/page/",
    }
    problems: list[str] = []
    try:
        for name, path in screens.items():
            page.emulate_media(color_scheme="light")
            page.goto(path, timeout=90_000)  # the dashboard computes its cards in this request (eager tasks)
            if name == "login":
                page.fill("#id_username", "padmin")
                page.fill("#id_password", "pw-padmin")
                screenshot(page, "login")
            if name == "orders":
                expect(page.locator("#drill-orders")).to_be_visible(timeout=60_000)
            if name == "dashboard":
                charts_drawn(page)
                tile = page.locator('[data-kpi="customers"]').bounding_box()  # the tile the issue found cut off
                assert tile and tile["x"] >= 0 and tile["x"] + tile["width"] <= PHONE["width"], tile
                keyboard_reaches_the_skip_link_and_the_folded_menu(page)
                charts_export_as_png_and_print_without_controls(page)
            width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            if width[0] > width[1]:
                problems.append(f"{name} is {width[0]} px wide on a {width[1]} px screen: {page.evaluate(OVERFLOWING)}")
            problems += check_names(page, name)
            light = colours(page)
            low = [c for c in page.evaluate(CONTRASTS) if c[0] < 4.5]
            problems += [f"{name} (light): contrast {c[0]} for {c[1]} '{c[2]}'" for c in low]
            problems += [f"{name} (light): axe {v}" for v in page.evaluate(AXE_RUN)]
            screenshot(page, f"{name}-light")

            page.emulate_media(color_scheme="dark")
            dark = colours(page)
            if dark["background"] == light["background"] or dark["text"] == light["text"]:
                problems.append(f"{name}: dark mode has the light colours {dark}")
            low = [c for c in page.evaluate(CONTRASTS) if c[0] < 4.5]
            problems += [f"{name} (dark): contrast {c[0]} for {c[1]} '{c[2]}'" for c in low]
            problems += [f"{name} (dark): axe {v}" for v in page.evaluate(AXE_RUN)]
            if name == "dashboard":
                problems += charts_follow_the_scheme(page)
            screenshot(page, f"{name}-dark")
            if name == "login":
                page.emulate_media(color_scheme="light")
                page.click("button[type=submit]")
                expect(page.locator("header.top .nav-toggle")).to_be_visible()
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def keyboard_reaches_the_skip_link_and_the_folded_menu(page) -> None:
    """At 390 px: the first Tab shows the skip link, which moves focus to the content; the folded
    navigation opens from the keyboard, its links take focus and Escape closes it again."""
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0, "the focused skip link is off screen"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    toggle = page.locator("header.top .nav-toggle")
    expect(page.locator("header.top nav")).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Dashboard")).to_be_focused()
    screenshot(page, "dashboard-menu-open")
    page.keyboard.press("Escape")
    expect(toggle).to_be_focused()
    expect(page.locator("header.top nav")).to_be_hidden()


def charts_follow_the_scheme(page) -> list[str]:
    """Chart text takes the page's muted ink and the chart background the card colour (a redraw on
    the scheme change); both read apart at 4.5:1."""
    found = page.evaluate(
        """() => {
      const style = getComputedStyle(document.documentElement);
      const canvas = document.querySelector("canvas[data-chart]");
      const pixel = canvas.getContext("2d").getImageData(1, 1, 1, 1).data;
      return {defaults: Chart.defaults.color, muted: style.getPropertyValue("--muted").trim(),
              series: Object.values(Chart.instances).flatMap((c) => c.data.datasets.map((d) => d.borderColor)),
              palette: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => style.getPropertyValue(`--chart-${n}`).trim()),
              surface: getComputedStyle(canvas.closest(".card")).backgroundColor, pixel: [...pixel].slice(0, 3)};
    }"""
    )
    problems = []
    if found["defaults"] != found["muted"]:
        problems.append(f"dashboard (dark): Chart.js text {found['defaults']} is not the muted ink {found['muted']}")
    if not set(found["series"]) <= set(found["palette"]):
        problems.append(f"dashboard (dark): series drawn {found['series']}, not in the dark palette {found['palette']}")
    surface = [int(v) for v in found["surface"][found["surface"].index("(") + 1 : -1].split(",")[:3]]
    if any(abs(a - b) > 2 for a, b in zip(found["pixel"], surface)):
        problems.append(f"dashboard (dark): the chart background {found['pixel']} is not the card's {surface}")
    return problems


def charts_export_as_png_and_print_without_controls(page) -> None:
    """The dashboard (filtered to customer Bob): a chart's canvas and table are named after the
    card and the filters, its PNG button downloads a PNG of the canvas named the same way, and
    on paper the controls are gone while the cards and charts stay."""
    card = page.locator("section.card:has(canvas[data-chart])").first  # the first chart card
    canvas = card.locator("canvas").first
    expect(canvas).to_have_attribute("role", "img")
    title = card.locator("h2").inner_text().strip()
    expect(canvas).to_have_accessible_name(
        re.compile(rf"^{re.escape(title)}, (bar|line) chart, {FILTERS_TEXT}\. Its numbers are in the table")
    )
    expect(card.locator("details > summary")).to_have_accessible_name(f"Table of {title}")
    expect(card.get_by_role("link", name=f"Download {title} as CSV")).to_have_text("CSV")

    canvas.focus()
    page.keyboard.press("ArrowRight")
    labels = page.evaluate("(c) => Chart.getChart(c).data.labels", canvas.element_handle())
    expect(page.locator("#chart-focus-note")).to_contain_text(f"{labels[0]}: ")
    page.keyboard.press("End")
    expect(page.locator("#chart-focus-note")).to_contain_text(f"{labels[-1]}: ")
    expect(page.locator("#chart-focus-note")).to_contain_text(f"({len(labels)} of {len(labels)})")
    assert page.evaluate("(c) => Chart.getChart(c).getActiveElements().length", canvas.element_handle()) > 0
    page.keyboard.press("Enter")  # the last element's click menu, at the right edge of the phone
    menu = page.locator(".chart-menu")
    expect(menu.get_by_role("menuitem").first).to_be_focused()
    expect(menu.get_by_role("menuitem").first).to_have_text(f"Filter to {labels[-1]}")
    box, chart = menu.bounding_box(), canvas.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert chart["y"] <= box["y"] <= chart["y"] + chart["height"], (box, chart)  # by the element, not elsewhere
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem").nth(1)).to_be_focused()
    screenshot(page, "dashboard-chart-menu")
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    expect(canvas).to_be_focused()

    button = card.get_by_role("button", name=f"Download {title} as PNG")
    expect(button).to_have_text("PNG")
    with page.expect_download() as download:
        button.click()
    data = download.value.path().read_bytes()
    assert data[:8] == PNG_MAGIC
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    drawn = page.evaluate("(c) => [c.width, c.height]", canvas.element_handle())
    assert width > drawn[0] and height > drawn[1]  # the whole chart, under its title and filters
    slug = card.get_attribute("data-slug")
    assert download.value.suggested_filename == f"{slug}_from-2025-02-01_to-2025-04-30_customer-bob.png"
    (page.shot_dir / download.value.suggested_filename).write_bytes(data)

    page.emulate_media(media="print")
    for selector in ("header.top", "form.filters", "form.refresh", ".exports", "button"):
        shown = "(s) => [...document.querySelectorAll(s)].some((el) => el.offsetParent && el.offsetHeight > 0)"
        hidden = not page.evaluate(shown, selector)
        assert hidden, f"{selector} shows on paper"
    expect(page.locator("#print-filters")).to_have_text(f"Orders {FILTERS_TEXT}.")
    for chart in page.locator("canvas[data-chart]").all():
        size = chart.bounding_box()
        assert size and size["width"] > 100 and size["height"] > 100
    assert page.evaluate(
        "() => [...document.querySelectorAll('.card')].every((c) => getComputedStyle(c).breakInside === 'avoid')"
    )
    screenshot(page, "dashboard-print")
    page.pdf(path=str(page.shot_dir / "dashboard.pdf"))
    page.emulate_media(media="screen")


def _shots(name: str):
    folder = ARTIFACTS / f"screens-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
