from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

ALLOWED_EXTENSIONS = (".csv", ".txt")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def file_problem(upload) -> str | None:
    """Why this file cannot be stored, or None. Checked before anything reaches S3."""
    name = upload.name or ""
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


class UploadForm(forms.Form):
    files = MultipleFileField()
    as_of = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Backfills: the reference date for the stale-order rule instead of the upload time.",
    )
