"""Header names onto the canonical orders table, by normalised synonyms."""

import re

# Earlier synonyms win when a file has several candidates for one column.
SYNONYMS: dict[str, list[str]] = {
    "order_id": [
        "orderid",
        "orderno",
        "ordernumber",
        "ordernum",
        "orderref",
        "idorders",
        "idorder",
        "ordern",
        "id",
        "order",
    ],
    "customer": [
        "customer",
        "customername",
        "customerid",
        "client",
        "clientname",
        "clientid",
        "ordercustomer",
        "ordercustomerid",
        "buyer",
        "customeremail",
    ],
    "amount": [
        "amount",
        "orderamount",
        "totalamount",
        "total",
        "ordertotal",
        "ordervalue",
        "sales",
        "revenue",
        "totalprice",
        "grandtotal",
        "totalfororder",
        "value",
        "price",
    ],
    "status": ["status", "orderstatus", "orderstate"],
    "order_date": [
        "orderdate",
        "dateorder",
        "dataorder",
        "orderdatetime",
        "orderedat",
        "orderdt",
        "purchasedate",
        "createdat",
        "date",
        "orderedon",
        "placedat",
    ],
}
REQUIRED = ("order_id", "order_date", "amount")


def normalise_header(name: str) -> str:
    return re.sub(r"[\s_.\-/()#]+", "", name.replace("\ufeff", "").strip().lower())


def map_headers(headers: list[str], explicit: dict[str, str] | None = None) -> dict[str, int]:
    """Canonical column → index in the row. An explicit mapping (from the upload form) wins."""
    mapping: dict[str, int] = {}
    if explicit:
        by_name = {h.strip(): i for i, h in enumerate(headers)}
        by_norm = {normalise_header(h): i for i, h in enumerate(headers)}
        for column, header in explicit.items():
            if column in SYNONYMS and header:
                index = by_name.get(header.strip(), by_norm.get(normalise_header(header)))
                if index is not None:
                    mapping[column] = index
    normalised = [normalise_header(h) for h in headers]
    taken = set(mapping.values())
    for column, synonyms in SYNONYMS.items():
        if column in mapping:
            continue
        for synonym in synonyms:
            if synonym in normalised and normalised.index(synonym) not in taken:
                mapping[column] = normalised.index(synonym)
                taken.add(mapping[column])
                break
    return mapping


def missing_required(mapping: dict[str, int]) -> list[str]:
    return [column for column in REQUIRED if column not in mapping]
