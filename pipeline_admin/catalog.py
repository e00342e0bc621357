"""What the Glue catalog holds, as plain data: the snapshots a crawl is measured by, the schema
drift between two of them, and the tables the catalog page lists. Glue itself is called only
through `glue.py`."""

from dataclasses import dataclass, field
from datetime import datetime

from ordersite.aws import glue


@dataclass
class TableSnapshot:
    name: str
    columns: list[dict]
    partition_keys: list[dict]
    location: str
    classification: str
    updated_at: datetime | None  # the table definition's last change (the crawler writes it)
    partitions: list[str] = field(default_factory=list)  # partition values joined with "/", sorted
    # When the newest partition was registered: the status sync adds a month's partition as soon as
    # a file is processed, so this is often later than `updated_at`.
    partition_added_at: datetime | None = None

    @property
    def partition_count(self) -> int:
        return len(self.partitions)

    @property
    def partition_range(self) -> tuple[str, str] | None:
        return (self.partitions[0], self.partitions[-1]) if self.partitions else None


def _snapshot(table: dict) -> TableSnapshot:
    descriptor = table.get("StorageDescriptor", {})
    keys = table.get("PartitionKeys", [])
    listed = glue.partitions_list(table=table["Name"]) if keys else []
    values = ["/".join(p["Values"]) for p in listed]
    added = [p["CreationTime"] for p in listed if p.get("CreationTime")]
    return TableSnapshot(
        name=table["Name"],
        columns=[{"Name": c["Name"], "Type": c["Type"]} for c in descriptor.get("Columns", [])],
        partition_keys=[{"Name": k["Name"], "Type": k["Type"]} for k in keys],
        location=descriptor.get("Location", ""),
        classification=table.get("Parameters", {}).get("classification", ""),
        updated_at=table.get("UpdateTime") or table.get("CreateTime"),
        partitions=sorted(values),
        partition_added_at=max(added, default=None),
    )


def catalog_snapshot() -> dict[str, TableSnapshot]:
    """Every table of the pipeline's Glue database, with its columns and partitions."""
    return {t["Name"]: _snapshot(t) for t in glue.table_list()}


def schema_drift(*, table: str, before: list[dict], after: list[dict]) -> list[dict]:
    """Columns added, removed or changed in type from one version of a table to the next."""
    old = {c["Name"]: c["Type"] for c in before}
    new = {c["Name"]: c["Type"] for c in after}
    changes = [
        {"table": table, "column": name, "change": "added", "before": None, "after": new[name]}
        for name in new
        if name not in old
    ]
    changes += [
        {"table": table, "column": name, "change": "removed", "before": old[name], "after": None}
        for name in old
        if name not in new
    ]
    changes += [
        {"table": table, "column": name, "change": "changed", "before": old[name], "after": new[name]}
        for name in new
        if name in old and old[name] != new[name]
    ]
    return changes


@dataclass
class CatalogChange:
    created: list[str]
    updated: list[str]
    partitions_added: int
    partitions_total: int
    drift: list[dict]


def catalog_change(*, before: dict[str, TableSnapshot], after: dict[str, TableSnapshot]) -> CatalogChange:
    """What a crawl did to the catalog: new tables, tables whose schema moved, new partitions."""
    created = sorted(name for name in after if name not in before)
    drift = []
    for name in sorted(after):
        if name in before:
            drift += schema_drift(table=name, before=before[name].columns, after=after[name].columns)
    updated = sorted({change["table"] for change in drift})
    added = sum(
        len(set(t.partitions) - set(before[name].partitions if name in before else [])) for name, t in after.items()
    )
    return CatalogChange(
        created=created,
        updated=updated,
        partitions_added=added,
        partitions_total=sum(t.partition_count for t in after.values()),
        drift=drift,
    )
