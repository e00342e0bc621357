"""Lambda configuration, read from the environment that the CloudFormation template sets."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    raw_prefix: str = "raw/"
    processed_prefix: str = "processed/orders/"
    quarantine_prefix: str = "quarantine/"
    manifest_prefix: str = "manifests/"
    stale_statuses: frozenset[str] = frozenset({"pending", "cancelled"})
    stale_after_days: int = 30
    ambiguous_day_first: bool = False
    ambiguous_decimal_comma: bool = False


def config_from_env(environ=os.environ) -> Config:
    return Config(
        raw_prefix=environ.get("RAW_PREFIX", "raw/"),
        processed_prefix=environ.get("PROCESSED_PREFIX", "processed/orders/"),
        quarantine_prefix=environ.get("QUARANTINE_PREFIX", "quarantine/"),
        manifest_prefix=environ.get("MANIFEST_PREFIX", "manifests/"),
        stale_statuses=stale_statuses(environ.get("STALE_STATUSES", "pending,cancelled")),
        stale_after_days=int(environ.get("STALE_AFTER_DAYS", "30")),
        ambiguous_day_first=environ.get("AMBIGUOUS_DATE_ORDER", "MDY").upper() == "DMY",
        ambiguous_decimal_comma=environ.get("AMBIGUOUS_DECIMAL_SEPARATOR", ".").strip() == ",",
    )


def stale_statuses(setting: str) -> frozenset[str]:
    """The STALE_STATUSES setting (comma-separated) as the canonical words the cleaner stores
    (`values.canonical_status`: `Canceled` -> cancelled, `on-hold` -> on_hold, `Pending Payment` ->
    pending_payment), so it names statuses however the exports spell them."""
    from .values import canonical_status  # here: importing config stays free of numpy and pyarrow

    return frozenset(canonical_status(s) for s in setting.split(",") if s.strip())
