"""The manifest: one processing outcome per raw object, written to `manifests/<source-id>.json`.

Reasons and warnings carry a stable `code` (see `reasons`) besides their text: the site decides on
codes and shows texts. Statuses: processing, processed, processed_with_rejects,
processed_with_warnings, rejected.
"""

from dataclasses import asdict, dataclass, field

from .cleaning import CleanResult
from .reasons import FILE_REASONS, REASON_LABELS, warnings_for


@dataclass
class Manifest:
    source_key: str
    status: str = "processing"
    source_id: str = ""
    etag: str = ""
    version_id: str = ""
    bytes: int = 0
    reference_date: str = ""
    stale_rule: dict = field(
        default_factory=dict
    )  # {"statuses": [...], "after_days": n}: the rule the file was read by
    upload_id: str = ""
    started_at: str = ""
    ingested_at: str = ""
    processed_at: str = ""
    duration_ms: int = 0
    reason: str = ""  # why the whole file was not used
    reason_code: str = ""
    rows_in: int | None = 0  # non-blank data rows; None when a rejected file's rows were not counted
    # blank data records after the header (every cell empty, whitespace or a placeholder), of a file read
    rows_blank: int = 0
    rows_out: int = 0  # orders written that count in reports (not stale)
    orders: int = 0  # orders written, stale or not
    rows_stale: int = 0  # orders written with stale=true
    rows_rejected: int = 0
    rows_duplicate: int = 0  # exact duplicates
    rows_superseded: int = 0  # earlier versions of an order (history grain)
    rows_merged: int = 0  # further lines of an order (line-item grain)
    amount_total: str = "0"  # every order written: a check total against the source system
    amount_counted: str = "0"  # the orders that count
    reasons: list[dict] = field(default_factory=list)  # [{"code", "text", "count"}] of rejected rows
    warnings: list[dict] = field(default_factory=list)  # [{"code", "text"}], doubts with count, lines/words
    grain: str = ""
    grain_overridden: bool = False
    grain_evidence: dict = field(default_factory=dict)
    grain_summary: str = ""
    mapping: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    header_line: int | None = None  # physical line of the header row; None when no header row was found
    header_last_line: int | None = None  # where it ends: after header_line when a quoted cell holds a line break
    skipped_lines: list[dict] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    date_order: str = ""  # ISO (no numeric dates), DMY or MDY: how numeric dates are read; YMD: only yy-mm-dd ones
    year_first: bool = False  # two-digit-year dates (not dotted) read year first, yy-mm-dd
    date_format: str = ""  # the shapes the dates had, for staff: "day month-name year"
    date_order_assumed: bool = False
    date_order_votes: dict = field(default_factory=dict)
    decimal_separator: str = ""
    decimal_separator_assumed: bool = False
    decimal_separator_votes: dict = field(default_factory=dict)
    months: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    rejected_key: str | None = None
    rejected_sample: list[dict] = field(default_factory=list)
    stale_sample: list[dict] = field(default_factory=list)
    # What earlier runs over this source wrote and this run removed: what it did not write again,
    # or everything when it found the source has no orders (rejected, or deleted before it was read);
    # with what an attempt before it removed when that attempt's removal failed midway (publish.py).
    outputs_removed: list[str] = field(default_factory=list)
    line_numbers: str = "physical line of the file where the record starts"
    errors: list[str] = field(default_factory=list)
    last_error: str = ""
    failed_at: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    def reject_file(self, code: str, text: str) -> None:
        self.status, self.reason_code, self.reason = "rejected", code, text or FILE_REASONS[code]

    def describe_header(self, result: CleanResult) -> None:
        """Fill in the file's layout as found: its header row (and line), the lines skipped before it,
        encoding, delimiter, mapping. Also for a file rejected once its header was found."""
        self.mapping, self.unmapped, self.header = result.mapping, result.unmapped, result.header
        self.header_line, self.header_last_line = result.header_line, result.header_last_line
        self.skipped_lines = result.skipped_lines
        self.rows_blank = result.rows_blank  # (also of a file of blank rows alone, rejected `no_rows`)
        self.encoding, self.delimiter = result.encoding, result.delimiter

    def describe(self, result: CleanResult) -> None:
        """Fill in the outcome of a cleaned file."""
        self.rows_in, self.rows_out, self.orders, self.rows_stale = (
            result.rows_in,
            result.rows_out,
            result.orders,
            result.orders_stale,
        )
        self.rows_rejected, self.rows_duplicate = result.rows_rejected, result.duplicates
        self.rows_superseded, self.rows_merged = result.superseded, result.merged
        self.amount_total, self.amount_counted = str(result.amount_total), str(result.amount_counted)
        self.reasons = [
            {"code": code, "text": REASON_LABELS.get(code, code), "count": count}
            for code, count in result.rejected_reasons.most_common()
        ]
        d = result.decisions
        self.date_order, self.date_order_assumed, self.date_order_votes = (
            d.date_order,
            d.date_order_assumed,
            d.date_order_votes,
        )
        self.date_format, self.year_first = d.date_format, d.year_first
        self.decimal_separator, self.decimal_separator_assumed = d.decimal_separator, d.decimal_separator_assumed
        self.decimal_separator_votes = d.decimal_separator_votes
        self.grain, self.grain_overridden = result.grain, result.grain_overridden
        self.grain_evidence = asdict(result.evidence)
        lines, orders = result.lines, result.orders
        summed = f"{lines:,} line{'' if lines == 1 else 's'} → {orders:,} order{'' if orders == 1 else 's'}"
        self.grain_summary = f"{result.grain.replace('_', ' ')}: {summed}"
        self.describe_header(result)
        self.months = sorted(result.months)
        self.rejected_sample, self.stale_sample = result.rejected_sample, result.stale_sample
        self.warnings = warnings_for(result)
        if result.orders == 0:
            first, more = result.rejected_sample[0], result.rows_rejected - 1
            others = f" and {more:,} more (see the rejected rows)" if more > 0 else ""
            self.reject_file("no_usable_row", f"no row could be used: {first['reason']} (line {first['line']}){others}")
        elif self.warnings:
            self.status = "processed_with_warnings"
        else:
            self.status = "processed_with_rejects" if result.rows_rejected else "processed"
