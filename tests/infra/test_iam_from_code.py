"""IAM derived from the code: every AWS call the suite makes is granted to its component's role in
the template, and every grant is used by some call or is on a short, documented list.

tests/iam_recorder.py records the calls (it runs this module last); tests/infra/iam.py maps a call
to the permissions it needs. moto enforces no IAM, so without this a missing grant shows first as
an AccessDenied on the real account.
"""

import pytest
from django.conf import settings
from filter_and_process_orders.config import Config
from filter_and_process_orders.publish import withdrawing_key

from tests import iam_recorder

from .iam import CHECKED_COMPONENTS, ROLE_OF, Grant, Need, grants_of, needs_of, satisfies

ABORT = "s3transfer aborts a multipart upload whose part failed (moto never fails a part)"
# Grants that no code path in this repository exercises, and why they are needed: (role, Sid, action).
USED_OUTSIDE_THE_CODE = {
    (
        "WebServerRole",
        "ReadDjangoSecretKey",
        "secretsmanager:GetSecretValue",
    ): "the install script reads SECRET_KEY at boot",
    ("WebServerRole", "ReadAppArtifact", "s3:GetObject"): "the install script downloads the release from artifacts/",
    ("WebServerRole", "AttachDataVolume", "ec2:AttachVolume"): "the install script attaches the data volume",
    ("WebServerRole", "AttachToThisServer", "ec2:AttachVolume"): "the install script attaches the data volume",
    **{
        ("WebServerRole", "SessionManagerChannels", action): "the Session Manager agent (shell access, no SSH)"
        for action in (
            "ssm:UpdateInstanceInformation",
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
        )
    },  # fmt: skip
    ("WebServerRole", "UploadRaw", "s3:AbortMultipartUpload"): ABORT,
    (
        "FilterAndProcessOrdersRole",
        "AbortFailedUploads",
        "s3:AbortMultipartUpload",
    ): "only a Parquet file past one part (5 MiB, more than a test file) is aborted under processed/",
    ("FilterAndProcessOrdersRole", "WriteOwnLogs", "logs:CreateLogStream"): "the Lambda service writes the logs",
    ("FilterAndProcessOrdersRole", "WriteOwnLogs", "logs:PutLogEvents"): "the Lambda service writes the logs",
}
# The Glue service, not our code, runs the real crawler with CrawlerRole; the local crawler only stands
# in for its S3 reads and catalog writes. Its grants follow the Glue documentation, so only what the
# local crawler does is checked for it (missing grants), not what it leaves unused.
UNUSED_NOT_CHECKED = {"CrawlerRole"}


def _calls() -> list:
    calls = [c for c in iam_recorder.CALLS if c.component in CHECKED_COMPONENTS]
    if not calls:
        pytest.skip("no AWS call was recorded: this test checks the calls of the tests that ran before it")
    return calls


def test_every_aws_call_the_code_makes_is_granted_to_its_components_role():
    missing: dict[tuple[str, str, tuple], str] = {}
    for call in _calls():
        role = ROLE_OF[call.component]
        grants = grants_of(role)
        for need in needs_of(call):
            if not any(satisfies(grant, need) for grant in grants):
                missing.setdefault((role, need.action, need.resource), need.why)
    report = "\n".join(
        f"{role} lacks {action} on {resource}: {why}" for (role, action, resource), why in missing.items()
    )
    assert not missing, "the template does not grant what the code calls:\n" + report


def _unused(role: str, calls: list) -> set[Grant]:
    needs = [n for c in calls if ROLE_OF[c.component] == role for n in needs_of(c)]
    return {g for g in grants_of(role) if not any(satisfies(g, n) for n in needs)}


def test_every_grant_is_used_by_a_call_of_the_code_or_listed_with_its_reason():
    if not iam_recorder.WHOLE_SUITE[0]:
        pytest.skip("a grant can only be called unused after the whole suite ran")
    calls = _calls()
    unused = {
        grant: role
        for role in sorted(set(ROLE_OF.values()) - UNUSED_NOT_CHECKED)
        for grant in _unused(role, calls)
        if (role, grant.sid, grant.action) not in USED_OUTSIDE_THE_CODE
    }
    report = "\n".join(f"{role} {g.sid}: {g.action} on {g.resource}" for g, role in sorted(unused.items(), key=str))
    assert not unused, "the template grants what no code calls (remove it, or list it with a reason):\n" + report


def test_the_list_of_grants_used_outside_the_code_names_only_real_grants():
    for (role, sid, action), reason in USED_OUTSIDE_THE_CODE.items():
        assert any(g.sid == sid and g.action == action for g in grants_of(role)), (role, sid, action)
        assert len(reason.split()) >= 4


def test_an_object_grant_covers_the_keys_its_pattern_matches_as_iam_matches_them():
    listing = Grant("s3:GetObject", ("object", "quarantine/*/outputs_removed.json"), "ReadWithdrawalInProgress")
    read = {
        key: satisfies(listing, Need("s3:GetObject", ("object", key)))
        for key in (
            "quarantine/a1b2/outputs_removed.json",
            "quarantine/raw/2025/x/outputs_removed.json",  # IAM's `*` spans `/`
            "quarantine/a1b2/rejected_rows.csv",
            "quarantine/outputs_removed.json",
            "processed/a1b2/outputs_removed.json",
        )
    }
    assert read == {
        "quarantine/a1b2/outputs_removed.json": True,
        "quarantine/raw/2025/x/outputs_removed.json": True,
        "quarantine/a1b2/rejected_rows.csv": False,
        "quarantine/outputs_removed.json": False,
        "processed/a1b2/outputs_removed.json": False,
    }
    assert not satisfies(listing, Need("s3:PutObject", ("object", "quarantine/a1b2/outputs_removed.json")))


def test_the_lambda_reads_under_quarantine_only_the_list_a_withdrawal_keeps_there():
    # The code names the one quarantine object it reads (publish.withdrawing_key): the grant is that key
    # for any source. Wider (quarantine/*) would let it read every rejected row; narrower fails a retry.
    wanted = withdrawing_key("*", Config(quarantine_prefix=settings.QUARANTINE_PREFIX))
    reads = [g.resource[1] for g in grants_of(ROLE_OF["lambda"]) if g.action in ("s3:GetObject", "s3:GetObjectVersion")]
    assert [r for r in reads if r.startswith(settings.QUARANTINE_PREFIX)] == [wanted]
    assert wanted == "quarantine/*/outputs_removed.json"
