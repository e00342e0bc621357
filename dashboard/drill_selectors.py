"""Reads for the drill pages: a page of the orders list with the upload each order came from.

Which upload a raw key is, and whether a user may open its page, belongs to the app that owns
uploads; it is read through the ORDER_SOURCES setting (a dotted path), never imported."""

import csv
import io
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.utils.module_loading import import_string
from filter_and_process_orders.spreadsheet import formula_safe

from .drill import COLUMNS, OrdersPage, file_name


def sources_get(*, user, source_keys) -> dict[str, dict]:
    """raw key -> {"name", "url" ("" unless the user may open the upload's page), ...}; keys
    without an upload record (a file put into raw/ by hand) get their name from the key."""
    keys = sorted({k for k in source_keys if k})
    found = import_string(settings.ORDER_SOURCES)(user=user, source_keys=keys) if keys else {}
    return {k: found.get(k) or {"name": file_name(k), "url": ""} for k in keys}


@dataclass
class OrdersListing:
    """A page of the list and, per row, its upload: `files[i]` = {"name", "url"}."""

    page: OrdersPage
    files: list[dict]

    @property
    def rows(self) -> list[tuple[dict, dict]]:
        return list(zip(self.page.rows, self.files, strict=True))

    def link(self, **changes) -> str:
        """This list's query string with `changes` (sort, page; None drops a parameter)."""
        params = self.page.query.as_params() | {"page": self.page.query.page} | changes
        return urlencode({k: v for k, v in params.items() if v is not None and (k, v) != ("page", 1)})

    @property
    def sort_links(self) -> list[tuple[str, str, str]]:
        """(column, label, query string) per sortable column; a second click reverses the order."""
        current = self.page.query.sort
        labels = {"order_id": "Order id", "customer": "Customer", "amount": "Amount", "status": "Status",
                  "order_date": "Date", "line_count": "Lines"}  # fmt: skip
        return [(c, label, self.link(sort=f"-{c}" if current == c else c, page=None)) for c, label in labels.items()]

    @property
    def previous_link(self) -> str:
        return self.link(page=self.page.query.page - 1) if self.page.query.page > 1 else ""

    @property
    def next_link(self) -> str:
        return self.link(page=self.page.query.page + 1) if self.page.query.page < self.page.pages else ""

    def as_dict(self) -> dict:
        body = self.page.as_dict()
        body["rows"] = [row | {"file": f["name"], "upload_url": f["url"]} for row, f in self.rows]
        body["columns"] = [*COLUMNS, "file", "upload_url"]
        return body


def orders_listing(page: OrdersPage, *, user) -> OrdersListing:
    """The page with each row's upload as `user` may see it."""
    sources = sources_get(user=user, source_keys=[row["source_key"] for row in page.rows])
    files = [sources.get(row["source_key"]) or {"name": "", "url": ""} for row in page.rows]
    return OrdersListing(page, [{"name": f["name"], "url": f["url"]} for f in files])


def history_with_links(history: dict, *, user) -> dict:
    """The cached history plus, per version and rejected row, "file" and "upload_url" for `user`."""
    items = history["versions"] + history["rejected"]
    sources = sources_get(user=user, source_keys=[item["source_key"] for item in items])
    linked = {
        **history,
        "versions": [dict(v) for v in history["versions"]],
        "rejected": [dict(r) for r in history["rejected"]],
    }
    for item in linked["versions"] + linked["rejected"]:
        source = sources.get(item["source_key"]) or {"name": file_name(item["source_key"]), "url": ""}
        item["file"], item["upload_url"] = source["name"], source["url"]
    return linked


def orders_csv(listing: OrdersListing) -> str:
    """The listing as CSV (RFC 4180 line ends): the list's columns and the file name; every cell
    through `formula_safe`, so a customer called `=HYPERLINK(...)` stays text in a spreadsheet."""
    columns = [c for c in COLUMNS if c != "source_key"] + ["file"]
    table = [[row.get(c) if c != "file" else f["name"] for c in columns] for row, f in listing.rows]
    safe = [formula_safe(list(column)).to_pylist() for column in zip(columns, *table)]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(zip(*safe))
    return out.getvalue()
