"""Rows in, clean rows and reasons out. Pure: no I/O, no clock."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from .mapping import missing_required
from .values import canonical_status, date_order_evidence, parse_amount, parse_date


@dataclass
class Rejected:
    line: int
    values: list[str]
    reason: str


@dataclass
class CleanResult:
    rows_in: int = 0
    kept: dict[str, dict] = field(default_factory=dict)  # order_id -> clean row (last one wins)
    rejected: list[Rejected] = field(default_factory=list)
    dropped_by_rule: int = 0
    duplicates: int = 0
    date_order: str = "ISO"
    date_order_assumed: bool = False

    @property
    def reasons(self) -> dict[str, int]:
        counts = Counter(r.reason.split(":")[0] for r in self.rejected)
        if self.dropped_by_rule:
            counts["dropped by stale rule"] = self.dropped_by_rule
        if self.duplicates:
            counts["duplicate order_id (kept the last)"] = self.duplicates
        return dict(counts)


def _cell(fields: list[str], index: int | None) -> str:
    if index is None or index >= len(fields):
        return ""
    return fields[index].strip()


def decide_date_order(values: Iterable[str], day_first_default: bool) -> tuple[str, bool]:
    """Decide once per file whether numeric dates are day-first, from unambiguous values."""
    votes = Counter(v for v in map(date_order_evidence, values) if v)
    if votes["DMY"] > votes["MDY"]:
        return "DMY", False
    if votes["MDY"] > votes["DMY"]:
        return "MDY", False
    has_numeric = any(True for v in values if _is_numeric_date(v))
    if not has_numeric:
        return "ISO", False
    return ("DMY" if day_first_default else "MDY"), True


def _is_numeric_date(value: str) -> bool:
    return date_order_evidence(value) is not None or (value[:2].isdigit() and "/" in value)


def clean_rows(
    records: Iterable[tuple[int, list[str]]],
    mapping: dict[str, int],
    *,
    reference_date: date,
    stale_statuses: frozenset[str],
    stale_after_days: int,
    day_first_default: bool = False,
) -> CleanResult:
    if missing_required(mapping):
        raise ValueError(f"mapping lacks {missing_required(mapping)}")
    result = CleanResult()
    materialised = []
    for line, fields in records:
        if not any(f.strip() for f in fields):
            continue  # blank and all-empty rows are not orders
        result.rows_in += 1
        materialised.append((line, fields))
    result.date_order, result.date_order_assumed = decide_date_order(
        [_cell(f, mapping["order_date"]) for _, f in materialised], day_first_default
    )
    day_first = result.date_order == "DMY"
    stale_before = reference_date - timedelta(days=stale_after_days)
    for line, fields in materialised:
        order_id = _cell(fields, mapping["order_id"])
        if not order_id:
            result.rejected.append(Rejected(line, fields, "missing order_id"))
            continue
        raw_amount = _cell(fields, mapping["amount"])
        amount = parse_amount(raw_amount) if raw_amount else None
        if amount is None:
            reason = "missing amount" if not raw_amount else f"unparseable amount: {raw_amount[:40]}"
            result.rejected.append(Rejected(line, fields, reason))
            continue
        raw_date = _cell(fields, mapping["order_date"])
        order_date = parse_date(raw_date, day_first) if raw_date else None
        if order_date is None:
            reason = "missing order_date" if not raw_date else f"unparseable order_date: {raw_date[:40]}"
            result.rejected.append(Rejected(line, fields, reason))
            continue
        status = canonical_status(_cell(fields, mapping.get("status")))
        if status in stale_statuses and order_date <= stale_before:
            result.dropped_by_rule += 1
            continue
        if order_id in result.kept:
            result.duplicates += 1
            del result.kept[order_id]  # re-insert so the last row keeps file order
        result.kept[order_id] = {
            "order_id": order_id,
            "customer": _cell(fields, mapping.get("customer")) or None,
            "amount": amount,
            "status": status or None,
            "order_date": order_date,
        }
    return result


def amount_total(rows: Iterable[dict]) -> Decimal:
    return sum((r["amount"] for r in rows), Decimal("0.00"))
