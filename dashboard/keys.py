"""Cache keys and the data version, shared by the services (which write results under a key)
and the selectors (which read them). A key names the report, its normalised typed parameters
(relative dates already resolved to absolute ones) and the data version, so new data is a miss."""

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache

from .models import ReportResult

DATA_VERSION_KEY = "dashboard:data-version"


def jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def params_jsonable(values: dict) -> dict:
    return {k: jsonable(v) for k, v in values.items()}


def cache_key(slug: str, values: dict, version: int) -> str:
    canonical = json.dumps(params_jsonable(values), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:20]
    return f"report:{slug}:v{version}:{digest}"


def data_version_get() -> int:
    try:
        version = cache.get(DATA_VERSION_KEY)
    except Exception:  # Redis down: the database remembers the newest version computed
        version = None
    if version is None:
        latest = ReportResult.objects.order_by("-data_version").values_list("data_version", flat=True).first()
        version = latest or 0
    return int(version)
