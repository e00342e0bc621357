"""Order history (issue 18 item 2): every version of an order across uploads, which one counts
and why the others do not, rejected rows with their lines. Expected values are worked out by
hand from the two small exports below, which go through the real Lambda on the twin."""

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from dashboard import history as history_module
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create, uploads_sync

HEADER = "order_id,customer,amount,status,order_date\n"
# line 2: C-10; line 3: C-11; line 4: C-12 (a formula-like customer); line 5: C-13, bad amount
EXPORT_1 = "C-10,Pat,300.00,shipped,2025-01-15\nC-11,Pat,20.00,shipped,2025-01-16\n"
EXPORT_1 += 'C-12,=HYPERLINK("http://x"),5.00,shipped,2025-01-16\nC-13,Pat,oops,shipped,2025-01-17\n'
# as of 2025-03-10: C-10 cancelled 54 days before (stale), C-11 updated to 25.00 on line 3
EXPORT_2 = "C-10,Pat,300.00,cancelled,2025-01-15\nC-11,Pat,25.00,shipped,2025-01-16\n"


# line items (rows of L-1 differ in product): L-1 is lines 2 and 4, summed to 14.50
ITEMS = "order_id,customer,amount,status,order_date,product\n"
ITEMS += "L-1,Lee,10.00,shipped,2025-01-18,Pen\nL-2,Lee,3.00,shipped,2025-01-18,Ink\n"
ITEMS += "L-1,Lee,4.50,shipped,2025-01-18,Ink\n"


def upload(user, text: str, name: str, as_of: str) -> None:
    upload_create(user=user, fileobj=io.BytesIO(text.encode()), name=name, as_of=date.fromisoformat(as_of))
    runtime_drain()
    uploads_sync()


@pytest.fixture
def two_exports(twin, pipeline_admin):
    upload(pipeline_admin, HEADER + EXPORT_1, "export-1.csv", "2025-01-20")
    upload(pipeline_admin, HEADER + EXPORT_2, "export-2.csv", "2025-03-10")
    upload(pipeline_admin, ITEMS, "items.csv", "2025-01-20")
    call_command("crawl", "--wait", stdout=io.StringIO())


def history(client, order_id: str) -> dict:
    response = client.get(reverse("dashboard:order_history"), {"order_id": order_id, "format": "json"})
    assert response.status_code == 200, response.content
    return response.json()


def test_an_updated_order_shows_both_versions_and_the_later_one_counts(client, two_exports, analyst):
    client.force_login(analyst)
    found = history(client, "C-11")
    versions = [(v["file"], v["source_line"], v["amount"], v["counts"]) for v in found["versions"]]
    assert versions == [("export-1.csv", 3, "20.00", False), ("export-2.csv", 3, "25.00", True)]
    assert found["versions"][0]["why"].startswith("superseded by a later upload: export-2.csv")
    assert found["verdict"] == "Counts: 25.00 from export-2.csv, line 3."
    assert found["meta"]["bytes_scanned"] > 0
    assert all(v["upload_url"] == "" for v in found["versions"])  # analysts see names, not staff pages


def test_a_stale_orders_history_names_the_rule_and_the_reference_date(client, two_exports, analyst):
    client.force_login(analyst)
    found = history(client, "C-10")
    assert [v["counts"] for v in found["versions"]] == [False, False] and found["counting"] is None
    why = found["versions"][1]["why"]
    assert "stale rule" in why and "reference date 2025-03-10" in why and "54 days" in why
    assert found["verdict"] == "Does not count: its latest version is stale."


def test_a_stale_verdict_is_explained_by_the_rule_the_file_was_read_by(client, two_exports, analyst, settings):
    # Review B7-3: export-2.csv was read with a 30-day rule (C-10 cancelled 54 days before 2025-03-10:
    # stale). Raised to 60 days afterwards, the page still names the rule of the verdict: 30 days,
    # cut-off 2025-03-10 - 30 days = 2025-02-08, not 60 days (which 54 days would not meet).
    settings.STALE_AFTER_DAYS, settings.STALE_STATUSES = 60, "cancelled"
    client.force_login(analyst)
    why = history(client, "C-10")["versions"][1]["why"]
    assert "status in cancelled, pending and dated 30 or more days" in why
    assert "54 days before the reference date 2025-03-10 (cut-off 2025-02-08)" in why
    assert "today's settings" not in why


def test_a_rejected_row_appears_in_its_orders_history_with_its_line(client, two_exports, pipeline_admin):
    client.force_login(pipeline_admin)
    found = history(client, "C-13")
    assert found["versions"] == []
    ((row),) = found["rejected"]
    assert (row["file"], row["line"], row["code"]) == ("export-1.csv", 5, "bad_amount")
    assert row["upload_url"].startswith("/")  # an admin may open the upload's page
    page = client.get(reverse("dashboard:order_history"), {"order_id": "C-13"}).content.decode()
    assert 'href="/' in page and ">5<" in page


def test_rejected_rows_are_matched_on_the_id_as_the_cleaner_reads_it(client, twin, pipeline_admin):
    # Review B7-1: the quarantine keeps the cells as read; the cleaner trims the zero-width space and
    # reads 7004.0 as 7004, so those rejected rows belong to orders 7003 and 7004 (lines 2 and 3).
    rows = (
        "\u200b7003,Pat,oops,shipped,2025-01-17\n7004.0,Pat,oops,shipped,2025-01-17\n7005,Pat,1.00,shipped,2025-01-17\n"
    )
    upload(pipeline_admin, HEADER + rows, "padded.csv", "2025-01-20")
    client.force_login(pipeline_admin)
    for order_id, line in (("7003", 2), ("7004", 3)):
        found = history(client, order_id)
        assert [(r["file"], r["line"], r["code"]) for r in found["rejected"]] == [("padded.csv", line, "bad_amount")]
        assert found["verdict"] == "Does not count: every row of it was rejected."
    assert history(client, "7004.0")["rejected"] == []  # no order is called that once read


def test_rejected_rows_of_a_file_of_decimal_commas_are_matched_on_its_comma_read_ids(client, twin, pipeline_admin):
    # Review B14-3: in a file whose amounts are decimal commas (1,00), the cleaner reads 7006,0 as 7006;
    # in a file of points a quoted "7008,0" stays as written (no order 7008 there).
    comma = "order_id;customer;amount;status;order_date\n7006,0;Pat;oops;shipped;17.01.2025\n"
    comma += "7007;Pat;1,00;shipped;17.01.2025\n"
    upload(pipeline_admin, comma, "comma.csv", "2025-01-20")
    upload(pipeline_admin, HEADER + '"7008,0",Pat,oops,shipped,2025-01-17\n', "point.csv", "2025-01-20")
    client.force_login(pipeline_admin)
    found = history(client, "7006")
    assert [(r["file"], r["line"], r["code"]) for r in found["rejected"]] == [("comma.csv", 2, "bad_amount")]
    assert history(client, "7008")["rejected"] == []
    assert [(r["file"], r["line"]) for r in history(client, "7008,0")["rejected"]] == [("point.csv", 2)]


def test_the_search_of_rejected_rows_is_bounded_and_says_so(client, two_exports, analyst, monkeypatch):
    client.force_login(analyst)
    monkeypatch.setattr(history_module, "REJECT_BUDGET", 40)  # bytes: less than the quarantine file
    found = history(client, "C-13")
    assert found["rejects_searched"] == {"files": 1, "cut_short": True} and found["rejected"] == []
    assert "cut short" in client.get(reverse("dashboard:order_history"), {"order_id": "C-13"}).content.decode()


def test_the_order_command_prints_the_history_as_json(two_exports):
    out = io.StringIO()
    call_command("order", "C-11", "--json", stdout=out)
    found = json.loads(out.getvalue())
    assert [v["amount"] for v in found["versions"]] == ["20.00", "25.00"] and found["counting"] == 1
    # As the page's JSON: the uploaded file's name, and no staff link from the command line.
    assert [(v["file"], v["upload_url"]) for v in found["versions"]] == [("export-1.csv", ""), ("export-2.csv", "")]
    text = io.StringIO()
    call_command("order", "C-11", stdout=text)
    assert "* " in text.getvalue() and "superseded" in text.getvalue() and "export-2.csv" in text.getvalue()
    for flags in ((), ("--json",)):
        with pytest.raises(CommandError, match="(?i)no version"):
            call_command("order", "NO-SUCH", *flags, stdout=io.StringIO())


def test_the_order_command_prints_a_missing_status_blank_as_the_page_does(twin, pipeline_admin):
    """Review B8-6 item 4: order N-1 has no status (line 2, 1.00, 2025-01-16); the page's cell is
    empty, so the command's line reads "line 2  1.00  2025-01-16", not "1.00 None 2025-01-16"."""
    upload(pipeline_admin, HEADER + "N-1,Pat,1.00,,2025-01-16\n", "no-status.csv", "2025-01-20")
    text = io.StringIO()
    call_command("order", "N-1", stdout=text)
    (line,) = [line for line in text.getvalue().splitlines() if line.startswith("* ")]  # the one version, counted
    assert "None" not in line
    assert line.split(") ", 1)[1].startswith("line 2  1.00  2025-01-16  -> ")


def test_the_drill_export_keeps_formula_like_cells_inert(client, drill, two_exports, analyst):
    client.force_login(analyst)
    body = client.get(reverse("dashboard:orders_export")).content.decode()
    assert "'=HYPERLINK" in body and "\r\n=HYPERLINK" not in body and ",=HYPERLINK" not in body
    listing = drill(reverse("orders_api")).json()
    # C-10 is stale now, C-11 counts once at its later amount: 25.00 + 5.00 + 14.50 + 3.00
    assert (listing["total_orders"], listing["total_amount"]) == (4, "47.50")
    assert all(r["upload_url"] == "" for r in listing["rows"])
    line_items = {r["order_id"]: (r["line_count"], r["source_line"], r["source_lines"]) for r in listing["rows"]}
    assert line_items["L-1"] == (2, 2, "2,4") and line_items["L-2"] == (1, 3, None)
    page = drill(reverse("dashboard:orders"), {"customer": "Lee"}).content.decode()
    assert "<td>2,4</td>" in page and "items.csv" in page
