import re

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from filter_and_process_orders.contract import GRAINS_OFFERED, LABELS

from .headers import COLUMNS, REQUIRED_COLUMNS
from .models import Upload

ALLOWED_EXTENSIONS = (".csv", ".txt")
# An order row is a few hundred bytes. A far longer line is a broken export or not a CSV at all,
# and the Lambda would have to hold it in memory whole; the header must fit the inspector's sample.
MAX_LINE_BYTES = 64 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def file_problem(upload) -> str | None:
    """Why this file cannot be stored, or None. Checked before anything reaches S3."""
    name = upload.name or ""
    if re.search(r"[\\/]", name) or any(not ch.isprintable() for ch in name):
        # Browsers send a bare file name (and Django keeps only the last part): this one was crafted.
        return f"{name!r}: a file name may not contain folders or control characters"
    if not name.lower().endswith(ALLOWED_EXTENSIONS):
        return f"{name}: only .csv or .txt files can be uploaded"
    if upload.size > settings.UPLOAD_MAX_BYTES:
        return f"{name}: {filesizeformat(upload.size)} is over the limit of {filesizeformat(settings.UPLOAD_MAX_BYTES)}"
    if upload.size == 0:
        return f"{name}: the file is empty"
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        return f"{name}: this is an Excel workbook, not a CSV; in Excel use Save As → CSV UTF-8"
    is_utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not is_utf16 and b"\x00" in head:
        return f"{name}: this is a binary file, not a CSV export"
    text = head.decode("utf-16" if is_utf16 else "utf-8", errors="ignore").lstrip("\ufeff")
    first_line = text.splitlines()[0] if text.splitlines() else ""
    if not first_line.strip() or (len(first_line) == len(text) and len(head) == 1024):
        return f"{name}: no header row found in the first KiB"
    line = long_line(upload)
    if line:
        return f"{name}: line {line} is longer than {filesizeformat(MAX_LINE_BYTES)}; this is not an orders export"
    return None


def long_line(fileobj) -> int | None:
    """The number of the first line longer than MAX_LINE_BYTES, or None; reads the file in 1 MiB chunks."""
    fileobj.seek(0)
    tail, lines_before = b"", 0  # the unfinished last line of the chunks read so far
    try:
        for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
            lines = (tail + chunk).splitlines(keepends=True)  # \n, \r\n and old Mac \r endings alike
            if max(map(len, lines)) > MAX_LINE_BYTES:
                return lines_before + next(i for i, line in enumerate(lines) if len(line) > MAX_LINE_BYTES) + 1
            tail = b"" if lines[-1].endswith((b"\n", b"\r")) else lines.pop()
            lines_before += len(lines)
    finally:
        fileobj.seek(0)
    return None


class MultipleFileField(forms.FileField):
    """Several files at once; each is checked by `file_problem` so one bad file never blocks the rest."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".csv,.txt"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not files:
            raise forms.ValidationError("Choose at least one file.")
        return files


COLUMN_LABELS = {column: LABELS[column] for column in COLUMNS}


def mapping_clean(value: dict) -> dict[str, str]:
    if not isinstance(value, dict) or any(k not in COLUMNS and k != "grain" for k in value):
        raise forms.ValidationError(f"a column mapping names only {', '.join(COLUMNS)} (and grain)")
    if any(not isinstance(v, str) or len(v) > 200 for v in value.values()):
        raise forms.ValidationError("each mapped header is text of at most 200 characters")
    return {k: v for k, v in value.items() if v}


class UploadForm(forms.Form):
    files = MultipleFileField()
    as_of = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Backfills: the reference date for the stale-order rule instead of the upload time.",
    )
    # Filled by the page's script when staff map an unrecognised header: {"order_date": "Data_order", ...}.
    mapping = forms.JSONField(required=False, widget=forms.HiddenInput)
    allow_duplicate = forms.BooleanField(
        required=False, label="Store files again even if the same content was uploaded before"
    )

    def clean_mapping(self) -> dict[str, str]:
        return mapping_clean(self.cleaned_data.get("mapping") or {})


class MappingForm(forms.Form):
    """Pick, for each column of the orders table, the header of this file that holds it."""

    def __init__(self, *args, header: list[str], initial_mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— not in this file —")] + [(h, h) for h in header if h]
        for column in (*REQUIRED_COLUMNS, *(c for c in COLUMNS if c not in REQUIRED_COLUMNS)):
            self.fields[column] = forms.ChoiceField(
                label=COLUMN_LABELS[column],
                choices=choices,
                required=column in REQUIRED_COLUMNS,
                initial=initial_mapping.get(column, ""),
            )

        self.fields["grain"] = forms.ChoiceField(
            label="One row is",
            choices=[("", "— decide from the file —"), *GRAINS_OFFERED],
            required=False,
            initial=initial_mapping.get("grain", ""),
        )

    def clean(self):
        data = super().clean()
        chosen = [v for k, v in data.items() if v and k != "grain"]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError("each header can hold only one column")
        return data

    def mapping(self) -> dict[str, str]:
        """Column -> header, and the grain staff chose ("grain" key) when they chose one."""
        return {column: header for column, header in self.cleaned_data.items() if header}


class UploadFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "all")] + Upload.Status.choices)
    uploader = forms.CharField(required=False, max_length=150)
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}
