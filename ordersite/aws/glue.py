"""The Glue Data Catalog is where the crawler registers the orders table and its partitions,
and where both query engines look them up."""

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from . import AwsError, aws_client


class GlueError(AwsError):
    pass


def _call(method: str, **kwargs):
    try:
        return getattr(aws_client("glue"), method)(**kwargs)
    except aws_client("glue").exceptions.EntityNotFoundException:
        return None
    except (BotoCoreError, ClientError) as exc:
        raise GlueError(f"Glue {method} failed: {exc}") from exc


def table_get(*, database: str | None = None, name: str | None = None) -> dict | None:
    response = _call("get_table", DatabaseName=database or settings.GLUE_DATABASE, Name=name or settings.GLUE_TABLE)
    return response["Table"] if response else None


def table_list(*, database: str | None = None) -> list[dict]:
    response = _call("get_tables", DatabaseName=database or settings.GLUE_DATABASE)
    return response["TableList"] if response else []


def table_put(*, table_input: dict, exists: bool) -> None:
    method = "update_table" if exists else "create_table"
    _call(method, DatabaseName=settings.GLUE_DATABASE, TableInput=table_input)


def partitions_list(*, table: str | None = None) -> list[dict]:
    partitions: list[dict] = []
    token = None
    while True:
        kwargs = {"DatabaseName": settings.GLUE_DATABASE, "TableName": table or settings.GLUE_TABLE}
        if token:
            kwargs["NextToken"] = token
        response = _call("get_partitions", **kwargs)
        if not response:
            return partitions
        partitions += response["Partitions"]
        token = response.get("NextToken")
        if not token:
            return partitions


def partitions_create(*, partition_inputs: list[dict]) -> None:
    for start in range(0, len(partition_inputs), 100):
        _call(
            "batch_create_partition",
            DatabaseName=settings.GLUE_DATABASE,
            TableName=settings.GLUE_TABLE,
            PartitionInputList=partition_inputs[start : start + 100],
        )


def crawler_get() -> dict | None:
    response = _call("get_crawler", Name=settings.GLUE_CRAWLER)
    return response["Crawler"] if response else None


def crawler_start() -> bool:
    """Start the crawler; False when it was already running (not an error)."""
    try:
        aws_client("glue").start_crawler(Name=settings.GLUE_CRAWLER)
        return True
    except aws_client("glue").exceptions.CrawlerRunningException:
        return False
    except (BotoCoreError, ClientError) as exc:
        raise GlueError(f"could not start crawler {settings.GLUE_CRAWLER}: {exc}") from exc


def crawler_stop() -> bool:
    """Ask a running crawler to stop; False when it was not running."""
    try:
        aws_client("glue").stop_crawler(Name=settings.GLUE_CRAWLER)
        return True
    except aws_client("glue").exceptions.CrawlerNotRunningException:
        return False
    except (BotoCoreError, ClientError) as exc:
        raise GlueError(f"could not stop crawler {settings.GLUE_CRAWLER}: {exc}") from exc


def crawls_list() -> list[dict]:
    """The crawler's recent crawls (id, state, start, end, error)."""
    response = _call("list_crawls", CrawlerName=settings.GLUE_CRAWLER)
    return response["Crawls"] if response else []
