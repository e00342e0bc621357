"""Starting the count of the orders of earlier uploads a file supersedes (`supersession`): one
Celery job per file, earlier files and data version (single flight, as the drill pages), or the
count right here when the cache or the queue cannot be reached.

`pipeline_admin` reaches this through the SUPERSEDED_ORDERS setting (a dotted path): neither app
imports the other."""

from .engines import EngineError
from .jobs import ComputeUnavailable, flight_enqueue
from .keys import data_version_get
from .services import RefreshRefused, scan_budget_check
from .supersession import superseded_cached, superseded_compute, superseded_key
from .tasks import supersedes_compute


def superseded_orders(*, source_key: str, earlier_keys: list[str], user=None, start: bool = True) -> dict | None:
    """How many orders of each earlier upload (`earlier_keys`, raw keys) the file `source_key`
    supersedes now, for the current data version:
    {"counts": {earlier raw key: {"orders": n, "changed": m}}, "meta": {engine, bytes_scanned,
    cost_usd, data_version, computed_at}}; an earlier file none of whose orders count from
    `source_key` is not in "counts". {"error": message} when the count failed or the user's scan
    budget is spent (errors are data here: the caller cannot import this app's exceptions).
    None while it is counted, or, with `start` off (the Files list only reads), not counted yet."""
    earlier_keys = sorted(set(earlier_keys))
    key = superseded_key(source_key, earlier_keys, data_version_get())
    try:
        found = superseded_cached(key)
        if found is not None or not start:
            return found
        scan_budget_check(user=user)
        user_id = user.pk if user is not None and user.is_authenticated else None
        try:
            flight_enqueue("flight:" + key, supersedes_compute, source_key, earlier_keys, "flight:" + key, user_id)
        except ComputeUnavailable:  # nothing can be waited for: count it now
            return superseded_compute(source_key=source_key, earlier_keys=earlier_keys, user_id=user_id)
        return superseded_cached(key)  # an eager queue (tests, CLI) has counted already
    except (EngineError, RefreshRefused) as exc:
        return {"error": str(exc)}
