"""The one validation of report parameters.

A Django form (`ReportQueryForm`) turns the parameters of a request, a CLI call or an API call
into one immutable `ReportQuery`: relative dates resolved, statuses canonical and sorted,
dimensions sorted, the limit checked. The cache key, the Celery job (as `as_params()` and back
through `from_params`, which trusts what it gets) and the engine all receive that object; nothing
below the form parses a parameter again.
"""

import hashlib
import json
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django import forms
from django.utils import timezone
from filter_and_process_orders.contract import FILTERABLE, GROUPABLE
from filter_and_process_orders.values import STATUS_SYNONYMS, canonical_status

EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
RELATIVE_DATE = re.compile(r"today(?:([+-])(\d{1,5})d?)?")
STATUS_WORD = re.compile(r"[a-z][a-z_]{0,29}")
TEXT_VALUE = re.compile(r"[\w .,'&@+\-/()]*")
# The words the status filter offers; the Lambda writes these canonical forms. An order without a
# status (NULL in the table) is `unknown`: the reports group it under that word and the status
# filter matches it by that word (`coalesce(status, 'unknown')` in _orders.sql).
UNKNOWN_STATUS = "unknown"
KNOWN_STATUSES = sorted(set(STATUS_SYNONYMS.values()) | {UNKNOWN_STATUS})
# Order columns a report can be filtered on besides customer, status and date: the orders
# contract's filterable dimensions.
DIMENSIONS = tuple(name for name in FILTERABLE if name not in ("customer", "status", "order_date"))
DEFAULT_LIMIT, MAX_LIMIT = 10, 1000
# Time grains of the time charts, and the columns a breakdown may group by (the contract's GROUPABLE).
GRAINS = ("day", "week", "month")
GROUPS = GROUPABLE
# Date presets: name -> label. Resolved to absolute dates by `period_range` (UTC days).
PERIODS = {
    "last_7_days": "Last 7 days",
    "last_30_days": "Last 30 days",
    "last_90_days": "Last 90 days",
    "this_month": "This month",
    "last_month": "Last month",
    "this_quarter": "This quarter",
    "year_to_date": "Year to date",
    "all_time": "All time",
}


class ParamError(ValueError):
    """A report parameter is not valid; the message names it and says why."""


@dataclass(frozen=True)
class ReportQuery:
    """One report over one set of filters. Dates are inclusive; `statuses` empty = every status
    (`unknown` = orders without one); `customer` an exact name; `no_customer`: only the orders
    without a customer (the "(none)" row of a report by customer); `dimensions` are (column, value)
    pairs sorted by column; `limit` only for reports that rank; `grain` (day/week/month) only for
    time charts; `group_by` (a GROUPABLE column) only for the breakdown."""

    report: str
    start_date: date = EARLIEST
    end_date: date = LATEST
    statuses: tuple[str, ...] = ()
    customer: str = ""
    no_customer: bool = False
    dimensions: tuple[tuple[str, str], ...] = ()
    limit: int | None = None
    grain: str = ""
    group_by: str = ""

    def as_params(self) -> dict:
        """The query as request parameters (JSON-safe): what a URL, a job or a stored result carries."""
        params: dict[str, str | int] = {
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "statuses": ",".join(self.statuses),
            "customer": self.customer,
            **dict(self.dimensions),
        }
        if self.no_customer:  # only when set: every other query keeps its fingerprint
            params["no_customer"] = "1"
        if self.limit is not None:
            params["limit"] = self.limit
        if self.grain:
            params["grain"] = self.grain
        if self.group_by:
            params["group_by"] = self.group_by
        return params

    @classmethod
    def from_params(cls, report: str, params: dict) -> "ReportQuery":
        """Rebuild a query the form made (a Celery job's argument); no validation happens here."""
        return cls(
            report=report,
            start_date=date.fromisoformat(params["start_date"]),
            end_date=date.fromisoformat(params["end_date"]),
            statuses=tuple(s for s in params.get("statuses", "").split(",") if s),
            customer=params.get("customer", ""),
            no_customer=params.get("no_customer") == "1",
            dimensions=tuple((d, params[d]) for d in DIMENSIONS if params.get(d)),
            limit=params.get("limit"),
            grain=params.get("grain", ""),
            group_by=params.get("group_by", ""),
        )

    @property
    def bounded(self) -> bool:
        """Both ends of the range were given (a preset, dates or a month), not the open defaults."""
        return self.start_date != EARLIEST and self.end_date != LATEST

    def previous(self) -> "ReportQuery":
        """The same query over the period of the same length just before this one (for the
        change on the KPI tiles). Only for a bounded range; raises ParamError otherwise."""
        if not self.bounded:
            raise ParamError("an open date range has no previous period")
        days = (self.end_date - self.start_date).days + 1
        return replace(
            self, start_date=self.start_date - timedelta(days=days), end_date=self.start_date - timedelta(days=1)
        )

    @property
    def fingerprint(self) -> str:
        """20 hex digits naming the report and every parameter; equal queries, equal fingerprints."""
        canonical = json.dumps({"report": self.report, **self.as_params()}, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def parse_date(text: str) -> date:
    """An ISO date, or `today`, `today-30d`, `today+7d`: relative dates become absolute here, so
    the cache key names the days really queried and rolls over at midnight (UTC)."""
    if match := RELATIVE_DATE.fullmatch(text.lower()):
        sign, days = match.groups()
        offset = timedelta(days=int(days or 0)) * (-1 if sign == "-" else 1)
        try:
            return timezone.localdate() + offset
        except OverflowError:
            raise ValueError from None
    return date.fromisoformat(text)


def period_range(name: str, today: date) -> tuple[date, date]:
    """A preset's first and last day (inclusive), `today` included: `last_7_days` is today and
    the six days before; `this_quarter` starts on the quarter's first day; `all_time` is open."""
    if name == "all_time":
        return EARLIEST, LATEST
    if name.startswith("last_") and name.endswith("_days"):
        return today - timedelta(days=int(name.split("_")[1]) - 1), today
    month_start = today.replace(day=1)
    if name == "this_month":
        return month_start, today
    if name == "last_month":
        end = month_start - timedelta(days=1)
        return end.replace(day=1), end
    if name == "this_quarter":
        return month_start.replace(month=(today.month - 1) // 3 * 3 + 1), today
    if name == "year_to_date":
        return today.replace(month=1, day=1), today
    raise ValueError(f"unknown period {name!r}")


def default_grain(start: date, end: date) -> str:
    """The time grain when none is chosen: days for a range of up to 62 days (a month drawn as
    one point says nothing), weeks up to 190 days, months otherwise (and for an open range)."""
    if start == EARLIEST or end == LATEST:
        return "month"
    days = (end - start).days + 1
    return "day" if days <= 62 else "week" if days <= 190 else "month"


def parse_statuses(raw) -> tuple[str, ...]:
    """Several statuses, as a list or comma-separated; canonical words, sorted, deduplicated."""
    items = raw if isinstance(raw, (list, tuple)) else str(raw or "").split(",")
    words = set()
    for item in items:
        for part in str(item).split(","):
            if not part.strip():
                continue
            word = canonical_status(part)
            if not STATUS_WORD.fullmatch(word):
                raise forms.ValidationError(f"statuses: {part.strip()[:40]!r} is not a status word")
            words.add(word)
    if len(words) > 20:
        raise forms.ValidationError("statuses: at most 20 statuses")
    return tuple(sorted(words))


class _DateField(forms.CharField):
    def to_python(self, value):
        text = super().to_python(value).strip()
        if not text:
            return None
        try:
            return parse_date(text)
        except ValueError:
            raise forms.ValidationError(f"must be a date like 2025-02-01, got {text[:40]!r}") from None


class _TextField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        text = super().to_python(value).strip()
        if len(text) > 100 or not TEXT_VALUE.fullmatch(text):
            raise forms.ValidationError("has characters that are not allowed")
        return text


def _choice_error(choices) -> dict:
    """A choice field's refusal that names the value and lists the ones allowed."""
    allowed = ", ".join(c for c in choices if c)
    return {"invalid_choice": f"must be one of {allowed}, got %(value)s"}


class ReportQueryForm(forms.Form):
    """Parameters of one report -> `ReportQuery` (as `cleaned_data["query"]`).

    `period` (a preset of PERIODS), `start_date`/`end_date` and `month` all narrow the range
    (their intersection). `takes_limit` / `takes_grain` / `takes_group`: whether this report
    ranks rows / draws over time / breaks down by a column; other reports refuse those
    parameters, as they refuse unknown ones. `takes_month` is kept for callers that pass it:
    every report takes a month."""

    start_date = _DateField(required=False)
    end_date = _DateField(required=False)
    statuses = forms.CharField(required=False)
    customer = _TextField()
    # Only the orders without a customer (a "(none)" row's "Show" link): `no_customer=1`.
    no_customer = forms.BooleanField(required=False)
    period = forms.ChoiceField(
        choices=[("", "")] + list(PERIODS.items()), required=False, error_messages=_choice_error(PERIODS)
    )
    month = forms.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$", required=False, error_messages={"invalid": "must be a month like 2025-02"}
    )
    limit = forms.CharField(required=False)
    grain = forms.ChoiceField(choices=[(g, g) for g in GRAINS], required=False, error_messages=_choice_error(GRAINS))
    group_by = forms.ChoiceField(choices=[(g, g) for g in GROUPS], required=False, error_messages=_choice_error(GROUPS))

    def __init__(
        self,
        *args,
        report: str,
        takes_limit: bool = False,
        takes_month: bool = True,
        takes_grain: bool = False,
        takes_group: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.report = report
        self.takes_grain, self.takes_group = takes_grain, takes_group
        for name in DIMENSIONS:
            self.fields[name] = _TextField()
        for name, wanted in (("limit", takes_limit), ("grain", takes_grain), ("group_by", takes_group)):
            if not wanted:
                del self.fields[name]

    def clean_statuses(self):
        return parse_statuses(self.data.get("statuses", ""))

    def clean_limit(self):
        text = str(self.cleaned_data.get("limit") or "").strip()
        if not text:
            return DEFAULT_LIMIT
        try:
            value = int(text)
        except ValueError:
            raise forms.ValidationError(f"must be a whole number, got {text[:40]!r}") from None
        if not 1 <= value <= MAX_LIMIT:
            raise forms.ValidationError(f"must be between 1 and {MAX_LIMIT}")
        return value

    def clean(self):
        unknown = sorted(set(self.data) - set(self.fields))
        if unknown:
            raise forms.ValidationError(f"unknown parameter {unknown[0]!r} for report {self.report}")
        data = super().clean()
        if self.errors:
            return data
        if data.get("no_customer") and data.get("customer"):
            raise forms.ValidationError(
                f"customer {data['customer'][:40]!r} and no_customer (orders without a customer) exclude each "
                "other: remove one of them"
            )
        start, end = data.get("start_date") or EARLIEST, data.get("end_date") or LATEST
        if period := data.get("period"):
            first, last = period_range(period, timezone.localdate())
            start, end = max(start, first), min(end, last)
        if month := data.get("month"):
            year, number = map(int, month.split("-"))
            start = max(start, date(year, number, 1))
            next_month = date(year + number // 12, number % 12 + 1, 1)
            end = min(end, next_month - timedelta(days=1))
        if start > end:
            given = (data.get("start_date") or EARLIEST) <= (data.get("end_date") or LATEST)
            narrowed = [f"{name} {data[name]}" for name in ("period", "month") if data.get(name)]
            if given and narrowed:  # the dates alone were fine: they miss the period or month
                raise forms.ValidationError(f"the dates given and {' and '.join(narrowed)} do not overlap")
            raise forms.ValidationError("start_date must not be after end_date")
        data["query"] = ReportQuery(
            report=self.report,
            start_date=start,
            end_date=end,
            statuses=data["statuses"],
            customer=data["customer"],
            no_customer=bool(data.get("no_customer")),
            dimensions=tuple((name, data[name]) for name in DIMENSIONS if data.get(name)),
            limit=data.get("limit"),
            grain=(data.get("grain") or default_grain(start, end)) if self.takes_grain else "",
            group_by=(data.get("group_by") or "status") if self.takes_group else "",
        )
        return data

    def first_error(self) -> str:
        """The first problem, naming its parameter: what the API and the page show."""
        for name, errors in self.errors.items():
            if name == "__all__":
                return str(errors[0])
            message = str(errors[0])
            return message if message.startswith(name) else f"{name} {message}"
        return ""
