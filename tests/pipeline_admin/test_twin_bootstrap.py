"""The twin's bucket is set up as the template's: what differs between them is drift the twin hides."""

from django.conf import settings

from ordersite.aws import aws_client
from tests.infra.template import resources


def test_the_twins_bucket_is_versioned_as_the_templates_bucket_is(twin):
    declared = resources()["PipelineBucket"]["Properties"]["VersioningConfiguration"]["Status"]
    s3 = aws_client("s3")
    put = s3.put_object(Bucket=settings.PIPELINE_BUCKET, Key="raw/2025/06/01/a.csv", Body=b"order_id\n")
    assert s3.get_bucket_versioning(Bucket=settings.PIPELINE_BUCKET).get("Status") == declared == "Enabled"
    assert put.get("VersionId") not in (None, "null")  # a raw upload is read by the version its event names
