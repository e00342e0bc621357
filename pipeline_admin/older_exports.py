"""Reads about exports uploaded out of as-of order (reviewer F4). Every report counts each order's
version from the latest upload (DESIGN "One truth across uploads"), so an older export uploaded
after a newer one wins the orders both have. Nothing is refused; these say so: which current
files with a later as-of a file landed after (`Upload.as_of_conflicts`, recorded at landing),
and how many of their orders the file supersedes now, counted by the report engine."""

from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.module_loading import import_string

from ordersite.roles import PIPELINE_ADMINS, user_has_role

from .models import Upload

# Files whose orders are, or will be, in the reports: processed, or on their way there.
CURRENT_STATUSES = Upload.PROCESSED_ANY | Upload.IN_FLIGHT


def as_of_conflicts_find(*, upload: Upload, limit: int = 20) -> list[Upload]:
    """The current files (CURRENT_STATUSES) other than `upload` whose as-of is later than its
    `reference_day`, newest as-of first, at most `limit`. Called when `upload` lands in raw/, so
    each of them landed before it: where both have an order, `upload`'s version is the one every
    report counts (DESIGN "One truth across uploads"). A file without an as-of is as of the day
    it was uploaded, as the stale rule reads it."""
    day = upload.reference_day
    later = Q(as_of__gt=day) | Q(as_of__isnull=True, uploaded_at__date__gt=day)
    found = Upload.objects.exclude(pk=upload.pk).filter(later, key__isnull=False, status__in=CURRENT_STATUSES)
    return list(found.order_by("-as_of", "-uploaded_at", "-id")[:limit])


@dataclass(frozen=True)
class AsOfConflict:
    """A current export with a later as-of that landed before a file (`Upload.as_of_conflicts`),
    as one viewer may see it. `name` and `url` follow the duplicate warning's rule: the earlier
    file is named to its uploader, pipeline admins and the command line (viewer None); anyone
    else reads "a file uploaded by someone else" and gets no link."""

    upload_id: int
    name: str
    url: str
    as_of: str  # YYYY-MM-DD: the earlier file's reference day
    uploaded_at: str  # "YYYY-MM-DD HH:MM" UTC
    current: bool  # False once its output was deleted, or it was found lost: it no longer counts
    key: str  # its raw key ("" when gone)
    text: str  # the warning: both files, both dates, and which versions count
    # Of its orders, how many count from the later file now, and how many of those differ in
    # status, amount, date or stale flag (`superseded_count`); None until counted.
    superseded: int | None = None
    changed: int | None = None


def as_of_conflicts_current(*, upload: Upload, viewer=None) -> list[AsOfConflict]:
    """`upload.as_of_conflicts` with each earlier file's state now, for `viewer` (None: the CLI)."""
    recorded = upload.as_of_conflicts or []
    now = {u.pk: u for u in Upload.objects.filter(pk__in=[c["upload_id"] for c in recorded])}
    admin = viewer is None or user_has_role(viewer, PIPELINE_ADMINS)
    gone = _no_longer_counts(upload)
    conflicts = []
    for c in recorded:
        earlier = now.get(c["upload_id"])
        revealed = admin or (earlier is not None and earlier.uploaded_by_id == viewer.pk)
        name = c["name"] if revealed else "a file uploaded by someone else"
        uploaded_at = c["uploaded_at"][:16].replace("T", " ")
        current = earlier is not None and earlier.status in CURRENT_STATUSES
        text = (
            f"This file is as of {upload.reference_day}, older than {name} (as of {c['as_of']}), uploaded before "
            f"it ({uploaded_at} UTC). "
        )
        text += (
            f"{gone}{f': where both files have an order, what {name} says of it counts' if current else ''}. "
            "Nothing is lost: both raw files are kept."
            if gone
            else "Where both files have an order, this file's version counts, because it was uploaded later: what "
            "the newer export says of those orders (a cancellation, a new amount) no longer counts. Nothing is "
            "lost: both raw files are kept."
        )
        conflicts.append(
            AsOfConflict(
                upload_id=c["upload_id"],
                name=name,
                url=reverse("pipeline_admin:upload_detail", args=[c["upload_id"]]) if revealed and earlier else "",
                as_of=c["as_of"],
                uploaded_at=uploaded_at,
                current=current,
                key=(earlier.key or "") if earlier else "",
                text=text,
            )
        )
    return conflicts


def _no_longer_counts(upload: Upload) -> str:
    """Why `upload`'s own versions count in no report (review B11-7), a sentence without its full
    stop; "" while they count or will (CURRENT_STATUSES: processed, or on its way there)."""
    if upload.status in CURRENT_STATUSES:
        return ""
    if upload.status == Upload.Status.WITHDRAWN:
        return "Its processed output was deleted, so its versions no longer count"
    return f"It has no processed output ({upload.get_status_display()}), so its versions do not count"


@dataclass(frozen=True)
class SupersededCount:
    """`conflicts` with their counts filled in; `state`: "" (nothing to count: the file is not
    processed, or no newer export counts any more), "counting", "counted" or "failed" (`error`
    says why); `meta`: engine, bytes_scanned, cost_usd, data_version, computed_at."""

    conflicts: list[AsOfConflict]
    state: str = ""
    error: str = ""
    meta: dict = field(default_factory=dict)
    counts: bool = True  # False once the file's own output was deleted (or it has none): it overrides nothing

    @property
    def overrides_nothing(self) -> bool:
        """The file's own versions no longer count (`counts` False, review B11-7), or counted, it
        supersedes no order of any newer export that still counts (they share none): said as a
        note, not a warning, offering no action (review F16)."""
        return not self.counts or (
            self.state == "counted" and not any(c.current and c.superseded for c in self.conflicts)
        )


def superseded_count(*, upload: Upload, conflicts: list[AsOfConflict], user, start: bool = True) -> SupersededCount:
    """How many orders of each current newer export `upload`'s rows supersede now, counted by the
    report engine (the dashboard's, through the SUPERSEDED_ORDERS setting: one cached count per
    data version, computed in a Celery job). `start` off only reads a count made before."""
    if upload.status not in CURRENT_STATUSES:
        return SupersededCount(conflicts, counts=False)
    earlier = [c.key for c in conflicts if c.current and c.key]
    if not earlier or not upload.stored or upload.status not in Upload.PROCESSED_ANY:
        return SupersededCount(conflicts)
    found = import_string(settings.SUPERSEDED_ORDERS)(
        source_key=upload.raw_key, earlier_keys=earlier, user=user, start=start
    )
    if found is None:
        return SupersededCount(conflicts, "counting")
    if "error" in found:
        return SupersededCount(conflicts, "failed", error=found["error"])
    counts = found["counts"]
    filled = [
        replace(c, superseded=counts.get(c.key, {}).get("orders", 0), changed=counts.get(c.key, {}).get("changed", 0))
        if c.current and c.key
        else c
        for c in conflicts
    ]
    return SupersededCount(filled, "counted", meta=found.get("meta", {}))


def uploads_superseded_flag(*, uploads, user) -> None:
    """For the Files list: set `superseded_orders` on each upload of `uploads` with as-of conflicts
    to how many orders of newer exports it supersedes, when a count was made for the current
    data (None otherwise: the list never starts an engine query)."""
    for upload in uploads:
        if upload.as_of_conflicts:
            counted = superseded_count(
                upload=upload, conflicts=as_of_conflicts_current(upload=upload, viewer=user), user=user, start=False
            )
            totals = [c.superseded for c in counted.conflicts if c.superseded is not None]
            upload.superseded_orders = sum(totals) if counted.state == "counted" else None


def superseded_warm(*, since) -> int:
    """Start the count of each file with as-of conflicts that became processed at `since` or
    later (the status sync's run), so the Files list shows it before anyone opens the file's
    page; returns how many counts were asked for (each one job at most: single flight)."""
    fresh = Upload.objects.filter(status__in=Upload.PROCESSED_ANY, updated_at__gte=since).exclude(as_of_conflicts=[])
    asked = 0
    for upload in fresh:
        conflicts = as_of_conflicts_current(upload=upload)
        asked += superseded_count(upload=upload, conflicts=conflicts, user=None).state != ""
    return asked
