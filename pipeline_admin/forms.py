import base64
import binascii

from django import forms
from filter_and_process_orders.contract import GRAINS_OFFERED, LABELS

from .headers import COLUMNS, HEADER_SAMPLE_BYTES, REQUIRED_COLUMNS, HeaderCheck, with_header_line
from .models import Upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files at once; each is checked by `checks.file_problem` so one bad file never blocks the rest."""

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
    # Named like the page's file input; the stubs see it shadow BaseForm.files (the bound data).
    files = MultipleFileField()  # type: ignore[assignment]
    as_of = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Backfills: the reference date for the stale-order rule instead of the upload time.",
    )
    # Filled by the page's script when staff map an unrecognised header: {"order_date": "Data_order", ...},
    # and the header row they chose (a physical line of the file, 1 the first), which the Lambda reads.
    mapping = forms.JSONField(required=False, widget=forms.HiddenInput)
    header_line = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    allow_duplicate = forms.BooleanField(
        required=False, label="Store files again even if the same content was uploaded before"
    )

    def clean_mapping(self) -> dict[str, str]:
        return mapping_clean(self.cleaned_data.get("mapping") or {})


class DirectUploadForm(forms.Form):
    """What the page declares about one file before it sends it straight to S3."""

    name = forms.CharField(max_length=255, strip=False)
    size = forms.IntegerField(min_value=0)
    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", error_messages={"invalid": "sha256 is 64 hex digits"})
    as_of = forms.DateField(required=False)
    mapping = forms.JSONField(required=False)
    header_line = forms.IntegerField(required=False, min_value=1)  # the header row staff chose
    allow_duplicate = forms.BooleanField(required=False)

    def clean_mapping(self) -> dict[str, str]:
        return mapping_clean(self.cleaned_data.get("mapping") or {})

    def options(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "size": data["size"],
            "sha256": data["sha256"],
            "as_of": data["as_of"],
            "column_mapping": with_header_line(data["mapping"], data["header_line"]),
            "allow_duplicate": data["allow_duplicate"],
        }


class PartsForm(forms.Form):
    numbers = forms.RegexField(regex=r"^\d{1,5}(,\d{1,5}){0,99}$")

    def numbers_list(self) -> list[int]:
        return [int(n) for n in self.cleaned_data["numbers"].split(",")]


class InspectForm(forms.Form):
    """The upload page's pre-check of a file it has not sent: its first 64 KiB, its size, and the mapping
    and header row (a physical line) staff chose, which the Lambda reads the header with."""

    sample = forms.FileField(allow_empty_file=True, error_messages={"required": "no sample was sent"})
    size = forms.IntegerField(required=False, min_value=0)
    mapping = forms.JSONField(required=False)
    header_line = forms.IntegerField(required=False, min_value=1)

    def clean_mapping(self) -> dict[str, str]:
        return mapping_clean(self.cleaned_data.get("mapping") or {})


class HeaderSampleForm(forms.Form):
    """The upload page's header step without JavaScript: the first bytes of the file checked, sent
    back by the page (base64) when staff pick another header row, as a browser keeps no chosen file."""

    header_name = forms.CharField(max_length=255, strip=False)
    header_sample = forms.CharField(max_length=4 * (HEADER_SAMPLE_BYTES // 3 + 1), strip=False)

    def clean_header_sample(self) -> bytes:
        try:
            return base64.b64decode(self.cleaned_data["header_sample"], validate=True)[:HEADER_SAMPLE_BYTES]
        except (binascii.Error, ValueError):
            raise forms.ValidationError("the file's first bytes came back broken: choose the file again") from None


def _cells(record: dict) -> str:
    return ", ".join(record["header"])[:80]


class HeaderLineForm(forms.Form):
    """Which record of the file's first lines is its header row (`HeaderCheck.candidates`): the file
    page's remap form offers that record's cells as the columns (without JavaScript: the choice is
    submitted, and the page comes back with them). Unbound or left empty, the header the Lambda finds."""

    def __init__(self, *args, check: HeaderCheck, **kwargs):
        kwargs.setdefault("auto_id", "pick_%s")  # the mapping form beside it carries header_line too
        super().__init__(*args, **kwargs)
        self.check = check
        self.fields["header_line"] = forms.TypedChoiceField(
            label="Header row",
            choices=[(c["line"], f"line {c['line']}: {_cells(c)}") for c in check.candidates],
            coerce=int,
            required=False,
            empty_value=None,
            initial=check.line,
        )

    def record(self) -> dict:
        """The chosen record ({"line", "last_line", "header", "mapping", "missing"}), else the Lambda's."""
        line = self.cleaned_data.get("header_line") if self.is_bound and self.is_valid() else None
        chosen = [c for c in self.check.candidates if c["line"] == line]
        if chosen:
            return chosen[0]
        found = self.check
        return {"line": found.line, "last_line": found.last_line, "header": found.header, "mapping": found.mapping}


class MappingForm(forms.Form):
    """Pick, for each column of the orders table, the header of this file that holds it: the cells of
    the record on `header_line`, which goes with the mapping (`mapping()`), so the Lambda reads that line
    as the header even when an earlier line has the same cells (review B10-3)."""

    header_line = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        header: list[str],
        initial_mapping: dict[str, str],
        header_line: int | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.line = header_line
        self.fields["header_line"].initial = header_line
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
        chosen = [v for k, v in data.items() if v and k not in ("grain", "header_line")]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError("each header can hold only one column")
        return data

    def mapping(self) -> dict[str, str]:
        """Column -> header, the grain staff chose ("grain" key) when they chose one, and the header row
        (`headers.HEADER_LINE`: the line whose cells were offered)."""
        chosen = {column: header for column, header in self.cleaned_data.items() if header and column != "header_line"}
        return with_header_line(chosen, self.line)


class UploadFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "all")] + Upload.Status.choices)
    uploader = forms.CharField(required=False, max_length=150)
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}
