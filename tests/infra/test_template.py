"""The CloudFormation template: the two scanners, then what they cannot know about this pipeline."""

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from .template import (
    TEMPLATE,
    as_list,
    of_type,
    policy_statements,
    resources,
    role_statements,
    s3_grants,
    sub_text,
    template,
)

BASE_DIR = Path(settings.BASE_DIR)
CHECKOV = BASE_DIR / ".venv-checkov" / "bin" / "checkov"
BUCKET_PREFIXES = {"raw", "incoming", "processed", "quarantine", "manifests", "enriched", "artifacts"}
LISTINGS = {"s3:ListBucket", "s3:ListBucketMultipartUploads"}
BUCKET_LEVEL_ACTIONS = LISTINGS | {"s3:GetBucketLocation", "s3:GetBucketAcl"}


def user_data_script() -> str:
    user_data = resources()["WebServer"]["Properties"]["UserData"]["Fn::Base64"]["Fn::Sub"]
    return user_data[0]


def user_data_env() -> dict[str, str]:
    """The KEY=value lines the web server's settings file gets."""
    block = re.search(r"<<ENV\n(.*?)\n\s*ENV\n", user_data_script(), re.S)
    assert block, "the user data writes no settings file"
    return dict(line.strip().split("=", 1) for line in block.group(1).splitlines())


# ------------------------------------------------------------------------------------------ scanners
def test_cfn_lint_finds_nothing():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(TEMPLATE)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkov_finds_no_failures_and_every_skip_is_used_and_has_a_reason():
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: `make test` creates .venv-checkov (see requirements-checkov.txt)")
    # The template's path relative to the checkout: checkov's secrets check (CKV_AWS_45) also reads the
    # file's path, and took the absolute path of one checkout for a secret (not another's beside it):
    # the verdict depended on where the project was cloned.
    template = Path(TEMPLATE).resolve().relative_to(BASE_DIR.resolve())
    result = subprocess.run(
        [str(CHECKOV), "-f", str(template), "--framework", "cloudformation", "--skip-download", "--output", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=BASE_DIR,
    )
    report = json.loads(result.stdout)
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert failed == [], failed
    assert report["summary"]["passed"] > 40
    skipped = report["results"]["skipped_checks"]
    for check in skipped:
        assert len(check["check_result"].get("suppress_comment", "")) > 40, check["check_id"]
    declared = {
        (skip["id"], name)
        for name, resource in resources().items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    }
    applied = {(c["check_id"], c["resource"].split(".", 1)[1]) for c in skipped}
    assert applied == declared, "a skip in the template matches no check that checkov runs (or the reverse)"


def test_every_checkov_skip_in_the_template_metadata_says_why():
    skips = [
        (name, skip)
        for name, resource in resources().items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips
    for name, skip in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), (name, skip)
        assert len(skip.get("comment", "").split()) >= 8, f"{name} skips {skip['id']} without a reason"


# ------------------------------------------------------------------------------------------ least privilege
def test_every_s3_permission_is_scoped_to_a_prefix_of_the_pipeline_bucket():
    for owner, statement in policy_statements():
        actions = as_list(statement["Action"])
        if not any(a.startswith("s3:") for a in actions):
            continue
        for resource in as_list(statement["Resource"]):
            text = sub_text(resource)
            if text == "${PipelineBucket.Arn}":
                assert set(actions) <= BUCKET_LEVEL_ACTIONS, (owner, statement["Sid"])
                continue
            # A prefix, or one file name under it (`quarantine/*/outputs_removed.json`).
            match = re.fullmatch(r"\$\{PipelineBucket\.Arn\}/([a-z]+)/\*(/[a-z_]+\.[a-z]+)?", text)
            assert match and match.group(1) in BUCKET_PREFIXES, (owner, statement["Sid"], text)


def test_each_role_gets_exactly_the_bucket_access_its_job_needs():
    # tests/infra/test_iam_from_code.py derives these from the calls the code makes; this pins the result.
    assert s3_grants("FilterAndProcessOrdersRole") == {
        "s3:GetObject": {"raw", "quarantine/*/outputs_removed.json"},  # a retried rejection's list, only it
        "s3:GetObjectVersion": {"raw"},
        "s3:PutObject": {"processed", "quarantine", "manifests"},
        "s3:DeleteObject": {"processed", "quarantine"},
        "s3:DeleteObjectVersion": {"processed", "quarantine"},  # a failed run takes back its own versions
        "s3:AbortMultipartUpload": {"processed", "quarantine"},
        "s3:ListBucket": {"<bucket>"},
    }
    assert s3_grants("CrawlerRole") == {
        "s3:GetObject": {"processed"},
        "s3:ListBucket": {"<bucket>"},
        "s3:GetBucketLocation": {"<bucket>"},
        "s3:GetBucketAcl": {"<bucket>"},
    }
    web = s3_grants("WebServerRole")
    assert web["s3:PutObject"] == {"raw", "incoming", "enriched"}
    assert web["s3:GetObject"] == {"raw", "incoming", "processed", "quarantine", "manifests", "enriched", "artifacts"}
    # raw/ is never deleted; incoming/ holds browser uploads the site checked (moved) or refused.
    assert web["s3:DeleteObject"] == {"incoming", "processed", "quarantine", "manifests"}
    assert set(web) <= {
        "s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"
    } | BUCKET_LEVEL_ACTIONS  # fmt: skip


def test_list_bucket_is_only_granted_with_a_prefix_condition():
    listings = [(o, s) for o, s in policy_statements() if LISTINGS & set(as_list(s["Action"]))]
    assert len(listings) == 4
    for owner, statement in listings:
        assert len(as_list(statement["Action"])) == 1, owner
        prefixes = as_list(statement["Condition"]["StringLike"]["s3:prefix"])
        assert prefixes and all(p.rstrip("*").rstrip("/") in BUCKET_PREFIXES for p in prefixes), (owner, prefixes)
        assert all(p.endswith("/*") for p in prefixes), (owner, prefixes)


def test_the_lambda_lists_and_writes_nothing_under_raw():
    for statement in role_statements("FilterAndProcessOrdersRole"):
        for action in as_list(statement["Action"]):
            if action in {"s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"}:
                assert not any("/raw/" in sub_text(r) for r in as_list(statement["Resource"]))


def test_no_allow_statement_has_a_wildcard_action():
    for owner, statement in policy_statements():
        if statement["Effect"] == "Allow":
            for action in as_list(statement["Action"]):
                assert "*" not in action, (owner, statement.get("Sid"), action)


def test_a_wildcard_resource_appears_only_where_the_template_says_why():
    reasons = template()["Metadata"]["ordersite"]["WildcardResources"]
    wildcard_sids = set()
    for _owner, statement in policy_statements():
        for resource in as_list(statement["Resource"]):
            text = sub_text(resource)
            if text == "*":
                wildcard_sids.add(statement["Sid"])
    assert wildcard_sids == set(reasons)
    assert all(len(reason.split()) >= 10 for reason in reasons.values())


def test_deny_statements_with_a_wildcard_action_are_justified():
    reasons = template()["Metadata"]["ordersite"]["DenyWildcardActions"]
    for resource in of_type("AWS::S3::BucketPolicy").values():
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            if any("*" in a for a in as_list(statement["Action"])):
                assert statement["Effect"] == "Deny" and statement["Sid"] in reasons


def test_no_role_carries_an_aws_managed_policy():
    for name, role in of_type("AWS::IAM::Role").items():
        assert "ManagedPolicyArns" not in role["Properties"], f"{name}: every permission must be written out here"
    assert "FullAccess" not in TEMPLATE.read_text()


def test_no_account_id_ami_zone_or_region_is_hard_coded():
    text = TEMPLATE.read_text()
    assert not re.search(r"(?<![\d.])\d{12}(?![\d.])", text), "account id"
    assert not re.search(r"\bami-[0-9a-f]{8,17}\b", text), "AMI id"
    assert not re.search(r"\b(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d[a-z]?\b", text), "region or zone"


# ------------------------------------------------------------------------------------------ the data path
def test_the_bucket_is_private_encrypted_versioned_and_owner_enforced():
    bucket = resources()["PipelineBucket"]["Properties"]
    assert sub_text(bucket["BucketName"]) == "${AWS::StackName}-${AWS::AccountId}-${AWS::Region}"
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"


def test_lifecycle_rules_cover_raw_quarantine_enriched_old_versions_and_stuck_uploads():
    rules = resources()["PipelineBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    by_prefix = {r.get("Prefix", ""): r for r in rules if r["Status"] == "Enabled"}
    assert {"raw/", "quarantine/", "enriched/"} <= set(by_prefix)
    assert "ExpirationInDays" not in by_prefix["raw/"], "raw/ is the only copy of the source data"
    assert by_prefix["quarantine/"]["ExpirationInDays"] > 0
    assert by_prefix["enriched/"]["ExpirationInDays"] > 0
    whole_bucket = [r for r in rules if "Prefix" not in r]
    assert any(r.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation") for r in whole_bucket)
    assert any(r.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays") for r in whole_bucket)


def test_browsers_may_only_put_upload_parts_and_only_from_the_sites_own_address():
    [rule] = resources()["PipelineBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["PUT"] and rule["ExposedHeaders"] == ["ETag"]
    condition, with_name, without_name = rule["AllowedOrigins"]["Fn::If"]
    assert condition == "HasSiteHostName"
    assert [o["Fn::Sub"] for o in with_name] == ["https://${SiteHostName}", "https://${SiteAddress}"]
    assert [o["Fn::Sub"] for o in without_name] == ["https://${SiteAddress}"]
    rules = resources()["PipelineBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    incoming = next(r for r in rules if r.get("Prefix") == settings.INCOMING_PREFIX)
    assert incoming["ExpirationInDays"] <= 2 and incoming["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] <= 1
    assert "--timeout 60" in user_data_script() and "proxy_request_buffering off" not in user_data_script()


def test_the_bucket_denies_every_request_that_is_not_tls():
    policy = resources()["PipelineBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "PipelineBucket"}
    statements = [
        s
        for s in policy["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(statements) == 1
    statement = statements[0]
    assert statement["Principal"] == "*" and statement["Action"] == "s3:*"
    assert {sub_text(r) for r in statement["Resource"]} == {"${PipelineBucket.Arn}", "${PipelineBucket.Arn}/*"}


def test_the_bucket_notifies_the_queue_only_of_csv_files_under_raw():
    configs = resources()["PipelineBucket"]["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert len(configs) == 1
    assert configs[0]["Queue"] == {"Fn::GetAtt": ["RawEventsQueue", "Arn"]}
    assert configs[0]["Event"] == "s3:ObjectCreated:*"
    rules = {r["Name"]: r["Value"] for r in configs[0]["Filter"]["S3Key"]["Rules"]}
    assert rules == {"prefix": settings.RAW_PREFIX, "suffix": ".csv"}


def test_the_queue_outlasts_every_allowed_function_timeout_and_dead_letters_after_three_receives():
    queue = resources()["RawEventsQueue"]["Properties"]
    mapping = template()["Mappings"]["VisibilityTimeouts"]
    allowed = template()["Parameters"]["LambdaTimeoutSeconds"]["AllowedValues"]
    assert queue["VisibilityTimeout"] == {
        "Fn::FindInMap": ["VisibilityTimeouts", {"Ref": "LambdaTimeoutSeconds"}, "Seconds"]
    }
    assert set(mapping) == set(allowed)
    assert all(mapping[t]["Seconds"] > int(t) for t in allowed)
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["RawEventsDlq", "Arn"]},
        "maxReceiveCount": 3,
    }
    for name in ("RawEventsQueue", "RawEventsDlq"):
        assert resources()[name]["Properties"]["SqsManagedSseEnabled"] is True


def test_only_this_bucket_may_send_to_the_queue():
    statement = resources()["RawEventsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"} and statement["Action"] == "sqs:SendMessage"
    assert sub_text(statement["Condition"]["ArnEquals"]["aws:SourceArn"]).endswith(
        ":s3:::${AWS::StackName}-${AWS::AccountId}-${AWS::Region}"
    )


def test_the_lambda_runs_python_312_with_the_pandas_layer_and_parameterised_limits():
    function = resources()["FilterAndProcessOrders"]["Properties"]
    assert function["Runtime"] == "python3.12"
    assert function["Layers"] == [{"Ref": "PandasLayerArn"}]
    assert function["MemorySize"] == {"Ref": "LambdaMemoryMb"}
    assert function["EphemeralStorage"] == {"Size": {"Ref": "LambdaTmpMb"}}
    assert function["Timeout"] == {"Ref": "LambdaTimeoutSeconds"}
    assert function["ReservedConcurrentExecutions"] == {
        "Fn::If": ["HasReservedConcurrency", {"Ref": "LambdaReservedConcurrency"}, {"Ref": "AWS::NoValue"}]
    }
    assert template()["Parameters"]["LambdaReservedConcurrency"]["Default"] == 0, "reserving is opt-in"
    assert template()["Conditions"]["HasReservedConcurrency"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "LambdaReservedConcurrency"}, 0]}]
    }
    assert function["LoggingConfig"]["LogGroup"] == {"Ref": "FilterAndProcessOrdersLogGroup"}
    assert resources()["FilterAndProcessOrdersLogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    events = resources()["FilterAndProcessOrdersEvents"]["Properties"]
    assert events["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert events["BatchSize"] == 1, "one file per invocation: the timeout bounds one file"
    assert events["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "LambdaMaxConcurrency"}}


def test_the_lambda_handler_path_exists_in_the_code():
    handler = resources()["FilterAndProcessOrders"]["Properties"]["Handler"]
    module, _, function = handler.rpartition(".")
    assert callable(getattr(importlib.import_module(module), function))


def test_the_lambda_environment_names_are_the_ones_the_code_reads():
    from pipeline_admin.runtime import lambda_environment

    template_names = set(resources()["FilterAndProcessOrders"]["Properties"]["Environment"]["Variables"])
    local_names = set(lambda_environment()) - {"AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION"}
    assert local_names <= template_names
    config_source = (BASE_DIR / "lambda" / "filter_and_process_orders" / "config.py").read_text()
    read_by_code = set(re.findall(r'"([A-Z][A-Z0-9]*_[A-Z0-9_]+)"', config_source))
    assert template_names == read_by_code


def test_the_lambda_and_the_site_share_the_prefixes_and_the_stale_rule():
    lambda_env = resources()["FilterAndProcessOrders"]["Properties"]["Environment"]["Variables"]
    site_env = user_data_env()
    for name in ("RAW_PREFIX", "PROCESSED_PREFIX", "QUARANTINE_PREFIX", "MANIFEST_PREFIX"):
        assert lambda_env[name] == site_env[name] == getattr(settings, name)
    assert lambda_env["STALE_STATUSES"] == {"Ref": "StaleStatuses"} and site_env["STALE_STATUSES"] == "${StaleStatuses}"
    assert lambda_env["STALE_AFTER_DAYS"] == {"Ref": "StaleAfterDays"}
    assert site_env["STALE_AFTER_DAYS"] == "${StaleAfterDays}"


def test_the_crawler_reads_the_processed_orders_folder_and_keeps_old_partitions():
    crawler = resources()["ProcessedOrdersCrawler"]["Properties"]
    (target,) = crawler["Targets"]["S3Targets"]
    assert sub_text(target["Path"]) == "s3://${PipelineBucket}/" + settings.PROCESSED_PREFIX
    assert target["Path"]["Fn::Sub"].endswith("/"), "a folder, not a key prefix"
    assert target["Exclusions"]
    assert crawler["SchemaChangePolicy"] == {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"}
    assert crawler["RecrawlPolicy"]["RecrawlBehavior"] in {"CRAWL_EVERYTHING", "CRAWL_NEW_FOLDERS_ONLY"}
    assert json.loads(crawler["Configuration"])["Version"] == 1.0


def test_the_workgroup_enforces_encrypted_results_under_enriched_with_a_scan_cutoff():
    config = resources()["AthenaWorkGroup"]["Properties"]["WorkGroupConfiguration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    location = sub_text(config["ResultConfiguration"]["OutputLocation"])
    assert location == "s3://${PipelineBucket}/" + settings.ENRICHED_PREFIX
    assert location.split("/", 3)[3].startswith("enriched/")
    assert config["ResultConfiguration"]["EncryptionConfiguration"]["EncryptionOption"] == "SSE_S3"
    assert config["BytesScannedCutoffPerQuery"] == {"Ref": "AthenaBytesScannedCutoff"}
    assert config["EngineVersion"]["SelectedEngineVersion"] == "Athena engine version 3"


def test_the_web_role_may_query_only_in_its_workgroup_and_start_only_its_crawler():
    by_sid = {s["Sid"]: s for s in role_statements("WebServerRole")}
    assert sub_text(by_sid["QueryInOwnWorkgroup"]["Resource"]).endswith(":workgroup/${AthenaWorkGroup}")
    assert sub_text(by_sid["RunOwnCrawler"]["Resource"]).endswith(":crawler/${ProcessedOrdersCrawler}")
    assert by_sid["ReadAndRedriveDlq"]["Resource"] == {"Fn::GetAtt": ["RawEventsDlq", "Arn"]}
    glue_actions = {a for s in role_statements("WebServerRole") for a in as_list(s["Action"]) if a.startswith("glue:")}
    assert all("Get" in action for action in glue_actions - {"glue:StartCrawler"}), "the site only reads the catalog"


# ------------------------------------------------------------------------------------------ the web server
def test_the_instance_requires_imdsv2_and_has_an_encrypted_disk_and_no_ssh_key():
    instance = resources()["WebServer"]["Properties"]
    assert instance["MetadataOptions"]["HttpTokens"] == "required"
    assert "KeyName" not in instance
    assert all(m["Ebs"]["Encrypted"] is True for m in instance["BlockDeviceMappings"])
    assert instance["IamInstanceProfile"] == {"Ref": "WebServerProfile"}


def test_the_image_is_a_plain_parameter_so_an_update_never_replaces_the_instance_by_surprise():
    # An SSM-typed parameter is re-read on every update: a new image from AWS would replace the instance.
    assert resources()["WebServer"]["Properties"]["ImageId"] == {"Ref": "AmiId"}
    ami = template()["Parameters"]["AmiId"]
    assert ami["Type"] == "AWS::EC2::Image::Id" and "Default" not in ami
    assert not [p for p in template()["Parameters"].values() if p["Type"].startswith("AWS::SSM::Parameter")]


def test_the_database_and_certificate_live_on_a_retained_encrypted_data_volume():
    volume = resources()["DataVolume"]
    assert volume["DeletionPolicy"] == "Retain" and volume["UpdateReplacePolicy"] == "Retain"
    assert volume["Properties"]["Encrypted"] is True
    assert volume["Properties"]["AvailabilityZone"] == {"Fn::GetAtt": ["PublicSubnet", "AvailabilityZone"]}
    assert resources()["WebServer"]["Properties"]["SubnetId"] == {"Ref": "PublicSubnet"}
    root_disks = resources()["WebServer"]["Properties"]["BlockDeviceMappings"]
    assert [d["DeviceName"] for d in root_disks] == ["/dev/xvda"], "only the root disk is the instance's own"
    script = user_data_script()
    assert "aws ec2 attach-volume --region ${AWS::Region} --volume-id ${DataVolume}" in script
    assert "mountpoint -q /data || mount /data" in script and "mkfs.xfs" in script
    assert re.search(r"blkid \"\$disk\" >/dev/null \|\| mkfs", script), "never format a volume that has a filesystem"
    assert user_data_env()["DATABASE_URL"] == "sqlite:////data/ordersite/ordersite.sqlite3"
    assert "ssl_certificate /data/tls/site.crt;" in script and "-keyout /data/tls/site.key" in script
    assert "if [ ! -f /data/tls/site.crt ]" in script, "an installed certificate is never overwritten"
    assert "ReadWritePaths=/var/lib/ordersite /data/ordersite" in script


def test_the_web_server_may_attach_only_the_data_volume_and_only_to_itself():
    statements = {s["Sid"]: s for s in role_statements("WebServerRole") if "ec2:AttachVolume" in as_list(s["Action"])}
    assert set(statements) == {"AttachDataVolume", "AttachToThisServer"}
    assert sub_text(statements["AttachDataVolume"]["Resource"]).endswith(":volume/${DataVolume}")
    assert statements["AttachToThisServer"]["Condition"] == {
        "ArnEquals": {"ec2:InstanceProfile": {"Fn::GetAtt": ["WebServerProfile", "Arn"]}}
    }


def _ingress_rules() -> list[dict]:
    rules = [
        r for g in of_type("AWS::EC2::SecurityGroup").values() for r in g["Properties"].get("SecurityGroupIngress", [])
    ]
    return rules + [r["Properties"] for r in of_type("AWS::EC2::SecurityGroupIngress").values()]


def test_nothing_is_open_to_the_world_on_ssh_or_the_development_port():
    rules = _ingress_rules()
    assert rules
    for rule in rules:
        ports = range(int(rule.get("FromPort", 0)), int(rule.get("ToPort", 65535)) + 1)
        world = rule.get("CidrIp") == "0.0.0.0/0" or rule.get("CidrIpv6") == "::/0" or rule["IpProtocol"] == "-1"
        assert not (world and (22 in ports or 5000 in ports)), rule


def test_only_http_and_https_are_open_and_only_to_the_allowed_cidr():
    rules = _ingress_rules()
    assert sorted((r["FromPort"], r["ToPort"]) for r in rules) == [(80, 80), (443, 443)]
    assert all(r["CidrIp"] == {"Ref": "AllowedCidr"} for r in rules)
    assert "Default" not in template()["Parameters"]["AllowedCidr"], "the deployer must choose who may connect"


def test_the_web_server_gets_every_setting_the_aws_mode_needs():
    env = user_data_env()
    needed = {
        "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "PIPELINE_MODE", "PIPELINE_BUCKET",
        "AWS_REGION", "GLUE_DATABASE", "GLUE_TABLE", "GLUE_CRAWLER", "ATHENA_WORKGROUP", "ORDERS_QUEUE_NAME",
        "ORDERS_DLQ_NAME", "REDIS_URL", "DATABASE_URL",
    }  # fmt: skip
    assert needed <= set(env)
    assert env["PIPELINE_MODE"] == "aws" and env["DEBUG"] == "0"
    assert env["PIPELINE_BUCKET"] == "${PipelineBucket}"
    assert env["ORDERS_QUEUE_NAME"] == "${RawEventsQueue.QueueName}"
    assert env["ORDERS_DLQ_NAME"] == "${RawEventsDlq.QueueName}"
    assert env["GLUE_DATABASE"] == "${GlueDatabase}" and env["GLUE_CRAWLER"] == "${ProcessedOrdersCrawler}"
    assert env["ATHENA_WORKGROUP"] == "${AthenaWorkGroup}" and env["AWS_REGION"] == "${AWS::Region}"
    assert env["GLUE_TABLE"] == settings.GLUE_TABLE
    assert env["REDIS_URL"].startswith("redis://127.0.0.1:")


def test_every_setting_the_web_server_gets_is_one_django_reads_and_env_example_lists():
    settings_source = (BASE_DIR / "ordersite" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\("([A-Z_]+)"', settings_source)) | set(
        re.findall(r'os\.environ\.get\("([A-Z_]+)"', settings_source)
    )
    listed = set(re.findall(r"^([A-Z_]+)=", (BASE_DIR / ".env.example").read_text(), re.M))
    assert set(user_data_env()) <= read
    assert set(user_data_env()) <= listed


def test_the_secret_key_is_generated_and_read_from_secrets_manager_at_boot():
    secret = resources()["AppSecretKey"]["Properties"]["GenerateSecretString"]
    assert secret["PasswordLength"] >= 50
    assert user_data_env()["SECRET_KEY"] == "$secret_key"
    assert re.search(
        r"secret_key=\$\(.*aws secretsmanager get-secret-value.*\n.*--secret-id \$\{AppSecretKey\}", user_data_script()
    )
    grant = next(s for s in role_statements("WebServerRole") if s["Sid"] == "ReadDjangoSecretKey")
    assert grant["Action"] == "secretsmanager:GetSecretValue" and grant["Resource"] == {"Ref": "AppSecretKey"}
    assert "SECRET_KEY=" not in TEMPLATE.read_text().replace("SECRET_KEY=$secret_key", "")


def test_the_user_data_runs_the_site_behind_nginx_with_celery_and_redis_under_systemd():
    script = user_data_script()
    assert "${AppArtifactKey}" in script and "s3://${PipelineBucket}/" in script
    for unit in ("ordersite-web", "ordersite-worker", "ordersite-beat", "nginx", '"$redis_unit"'):
        assert re.search(rf"systemctl (enable|restart)[^\n]* {re.escape(unit)}", script), unit
    assert "dnf install -y -q redis6; then redis_unit=redis6" in script
    assert "gunicorn ordersite.wsgi:application --bind 127.0.0.1:8000" in script
    assert "proxy_pass http://127.0.0.1:8000" in script
    assert "celery -A ordersite worker" in script and "celery -A ordersite beat" in script
    assert "[scripts-user, always]" in script, "an update must reinstall on the next boot"


def test_the_user_data_fits_the_16_kb_that_ec2_accepts():
    # The ${...} placeholders grow a little when substituted; leave room for them.
    assert len(user_data_script().encode()) < 12 * 1024


def test_the_alarm_watches_the_dead_letter_queue():
    alarm = resources()["DlqMessagesAlarm"]["Properties"]
    assert alarm["Namespace"] == "AWS/SQS" and alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["RawEventsDlq", "QueueName"]}}]
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold" and alarm["Threshold"] == 0


def test_the_outputs_name_everything_the_site_and_the_operator_need():
    outputs = template()["Outputs"]
    assert {
        "BucketName", "DashboardUrl", "QueueName", "DlqName", "GlueDatabaseName", "CrawlerName", "WorkGroupName",
        "WebServerInstanceId", "Region",
    } <= set(outputs)  # fmt: skip


# Athena's name for each DuckDB type the engine gives a contract column (dashboard/engines/local.py).
ATHENA_TYPES = {"VARCHAR": "string", "DECIMAL(12,2)": "decimal(12,2)", "DATE": "date", "BIGINT": "bigint",
                "INTEGER": "int", "BOOLEAN": "boolean", "TIMESTAMPTZ": "timestamp"}  # fmt: skip


def test_the_orders_table_has_the_contract_columns_and_projects_its_month_partitions():
    from dashboard.engines.local import ORDER_COLUMNS

    table = resources()["OrdersTable"]["Properties"]["TableInput"]
    assert table["Name"] == settings.GLUE_TABLE
    columns = [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]]
    assert columns == [(name, ATHENA_TYPES[kind]) for name, kind in ORDER_COLUMNS.items() if name != "order_month"]
    assert table["PartitionKeys"] == [{"Name": "order_month", "Type": "string"}]
    assert sub_text(table["StorageDescriptor"]["Location"]) == "s3://${PipelineBucket}/" + settings.PROCESSED_PREFIX
    projection = table["Parameters"]
    assert projection["projection.enabled"] == "true"
    assert (projection["projection.order_month.type"], projection["projection.order_month.format"]) == (
        "date",
        "yyyy-MM",
    )
    assert projection["projection.order_month.interval.unit"] == "MONTHS"
    template_path = sub_text(projection["storage.location.template"])
    assert template_path == "s3://${PipelineBucket}/" + settings.PROCESSED_PREFIX + "order_month=${!order_month}/"


def test_the_crawler_keeps_the_table_root_at_processed_orders_and_only_merges_new_columns():
    config = json.loads(resources()["ProcessedOrdersCrawler"]["Properties"]["Configuration"])
    assert settings.PROCESSED_PREFIX.strip("/").count("/") + 1 == config["Grouping"]["TableLevelConfiguration"] == 2
    assert config["CrawlerOutput"]["Tables"] == {"AddOrUpdateBehavior": "MergeNewColumns"}
