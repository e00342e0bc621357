"""Which IAM permission each recorded AWS call needs, and which the template's roles grant.

A permission is (action, resource), the resource reduced to what the template distinguishes:
("object", "raw/2025/06/01/x.csv") for a key (a grant: ("object", "raw/*") or
("object", "quarantine/*/outputs_removed.json"), its pattern matched as IAM does: `*` spans any
characters, `/` too), ("bucket", "processed/orders/") for a listing with that s3:prefix,
("queue", "RawEventsDlq"), ("crawler",), ("catalog",), ("workgroup",), ("any",).
Sources for the action names: the Service Authorization Reference (Actions, resources, and condition
keys) of Amazon S3, SQS, AWS Glue and Amazon Athena.
"""

from dataclasses import dataclass
from fnmatch import fnmatchcase
from urllib.parse import unquote

from django.conf import settings

from tests.iam_recorder import Call

from .template import as_list, role_statements, sub_text

ROLE_OF = {"lambda": "FilterAndProcessOrdersRole", "esm": "FilterAndProcessOrdersRole",
           "site": "WebServerRole", "crawler": "CrawlerRole"}  # fmt: skip
CHECKED_COMPONENTS = set(ROLE_OF)

# S3 operations whose IAM action is not "s3:<operation>" (S3's Service Authorization Reference).
S3_OBJECT_ACTIONS = {
    "GetObject": "s3:GetObject",
    "HeadObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "CopyObject": "s3:PutObject",
    "UploadPartCopy": "s3:PutObject",
    "AbortMultipartUpload": "s3:AbortMultipartUpload",
    "ListParts": "s3:ListMultipartUploadParts",
    "DeleteObject": "s3:DeleteObject",
}
VERSIONED = {"s3:GetObject": "s3:GetObjectVersion", "s3:DeleteObject": "s3:DeleteObjectVersion"}
S3_BUCKET_ACTIONS = {
    "ListObjectsV2": "s3:ListBucket",
    "ListObjects": "s3:ListBucket",
    "HeadBucket": "s3:ListBucket",
    "ListObjectVersions": "s3:ListBucketVersions",
    "ListMultipartUploads": "s3:ListBucketMultipartUploads",
}
SQS_BATCHES = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
               "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}  # fmt: skip
GLUE_CRAWLER_OPERATIONS = {
    "StartCrawler",
    "StopCrawler",
    "GetCrawler",
    "GetCrawlers",
    "ListCrawls",
    "GetCrawlerMetrics",
}
FREE = {("sts", "GetCallerIdentity")}  # needs no permission


@dataclass(frozen=True)
class Need:
    action: str
    resource: tuple
    why: str = ""  # the call (or the rule) that needs it


def _queue(call: Call) -> tuple:
    name = call.param("QueueName") or (call.param("QueueUrl") or "").rstrip("/").rsplit("/", 1)[-1]
    logical = {settings.ORDERS_QUEUE_NAME: "RawEventsQueue", settings.ORDERS_DLQ_NAME: "RawEventsDlq"}
    return ("queue", logical.get(name, name))


def _s3_needs(call: Call) -> list[tuple[str, tuple]]:
    op = call.operation
    if op in S3_OBJECT_ACTIONS:
        action = S3_OBJECT_ACTIONS[op]
        if call.param("VersionId") and action in VERSIONED:
            action = VERSIONED[action]
        needs = [(action, ("object", call.param("Key", "")))]
        source = call.param("CopySource")
        if source:
            key = source["Key"] if isinstance(source, dict) else unquote(source.split("/", 1)[1].split("?")[0])
            needs.append(("s3:GetObject", ("object", key)))
        return needs
    if op == "DeleteObjects":
        return [("s3:DeleteObject", ("object", k)) for k in call.param("DeleteKeys", ())]
    if op in S3_BUCKET_ACTIONS:
        return [(S3_BUCKET_ACTIONS[op], ("bucket", call.param("Prefix")))]
    return [(f"s3:{op}", ("bucket", None))]


def needs_of(call: Call) -> list[Need]:
    """The permissions one recorded call needs from its component's role."""
    service, op = call.service, call.operation
    if (service, op) in FREE:
        return []
    why = f"{call.component}/{call.detail} {service}.{op} in {call.test}"
    if service == "s3":
        found = _s3_needs(call)
    elif service == "sqs":
        resource = ("any",) if op == "ListQueues" else _queue(call)
        found = [(f"sqs:{SQS_BATCHES.get(op, op)}", resource)]
    elif service == "glue":
        found = [(f"glue:{op}", ("crawler",) if op in GLUE_CRAWLER_OPERATIONS else ("catalog",))]
    elif service == "athena":
        found = [(f"athena:{op}", ("workgroup",))]
    else:
        found = [(f"{service}:{op}", ("any",))]
    if call.component == "esm":
        # The event source mapping knows its queue's ARN (no GetQueueUrl) and reads its attributes.
        found = [n for n in found if n[0] != "sqs:GetQueueUrl"]
        found += [("sqs:GetQueueAttributes", _queue(call))] if service == "sqs" else []
    needs = [Need(action, resource, why) for action, resource in found]
    if (service, op) == ("athena", "StartQueryExecution"):
        needs += [Need(a, r, f"Athena acts with the caller's permissions ({why})") for a, r in athena_implied()]
    return needs


def athena_implied() -> list[tuple[str, tuple]]:
    """What Athena does with the caller's credentials for one query (Athena User Guide: "Access to
    Amazon S3" for the data and the query result location, and "Access to AWS Glue Data Catalog").
    Athena reads and writes any key under those prefixes: the key `<prefix>*` stands for them all."""
    data = settings.PROCESSED_PREFIX
    results = settings.ENRICHED_PREFIX
    return [
        ("s3:GetBucketLocation", ("bucket", None)),
        ("s3:GetObject", ("object", data + "*")),
        ("s3:ListBucket", ("bucket", data)),
        ("s3:GetObject", ("object", results + "*")),
        ("s3:PutObject", ("object", results + "*")),
        ("s3:AbortMultipartUpload", ("object", results + "*")),
        ("s3:ListMultipartUploadParts", ("object", results + "*")),
        ("s3:ListBucket", ("bucket", results)),
        ("s3:ListBucketMultipartUploads", ("bucket", results)),
        *[
            (f"glue:{a}", ("catalog",))
            for a in ("GetDatabase", "GetTable", "GetPartition", "GetPartitions", "BatchGetPartition")
        ],  # fmt: skip
    ]


@dataclass(frozen=True)
class Grant:
    action: str
    resource: tuple  # as Need.resource; for an object: ("object", key pattern); a bucket: ("bucket", pattern or None)
    sid: str


def _resource_kind(resource) -> tuple:
    if (
        isinstance(resource, dict)
        and "Fn::GetAtt" in resource
        and resource["Fn::GetAtt"][0]
        in (
            "RawEventsQueue",
            "RawEventsDlq",
        )
    ):
        return ("queue", resource["Fn::GetAtt"][0])
    text = sub_text(resource)
    if text == "*":
        return ("any",)
    if text == "${PipelineBucket.Arn}":
        return ("bucket", None)
    if text.startswith("${PipelineBucket.Arn}/"):
        return ("object", text.removeprefix("${PipelineBucket.Arn}/"))
    if text.endswith(":crawler/${ProcessedOrdersCrawler}"):
        return ("crawler",)
    if any(part in text for part in (":catalog", ":database/${GlueDatabase}", ":table/${GlueDatabase}/")):
        return ("catalog",)
    if text.endswith(":workgroup/${AthenaWorkGroup}"):
        return ("workgroup",)
    return ("other", text)


def grants_of(role: str) -> set[Grant]:
    """Every (action, resource) an Allow statement of the role grants; a listing once per s3:prefix."""
    grants = set()
    for statement in role_statements(role):
        if statement["Effect"] != "Allow":
            continue
        patterns = statement.get("Condition", {}).get("StringLike", {}).get("s3:prefix")
        for action in as_list(statement["Action"]):
            for resource in as_list(statement["Resource"]):
                kind = _resource_kind(resource)
                if kind == ("bucket", None) and patterns:
                    grants |= {Grant(action, ("bucket", p), statement["Sid"]) for p in as_list(patterns)}
                else:
                    grants.add(Grant(action, kind, statement["Sid"]))
    return grants


def satisfies(grant: Grant, need: Need) -> bool:
    if grant.action != need.action:
        return False
    if grant.resource == ("any",):
        return True
    if need.resource[0] == "bucket" and grant.resource[0] == "bucket":
        pattern, prefix = grant.resource[1], need.resource[1]
        # s3:prefix is absent from a request without Prefix: a StringLike condition then never matches.
        return pattern is None or (prefix is not None and fnmatchcase(prefix, pattern))
    if need.resource[0] == "object" and grant.resource[0] == "object":
        return fnmatchcase(need.resource[1], grant.resource[1])  # IAM's `*` spans `/` too, as fnmatch's does
    return grant.resource == need.resource
