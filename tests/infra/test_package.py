"""`make package` (infra/package.py) and `make deploy` (infra/deploy.sh), without reaching AWS."""

import json
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from infra.package import lambda_python_find

BASE_DIR = Path(settings.BASE_DIR)
GOOD_ARGS = {
    "STACK": "ordersite",
    "ALLOWED_CIDR": "203.0.113.7/32",
    "PANDAS_LAYER_ARN": "arn:aws:lambda:eu-west-1:111122223333:layer:AWSSDKPandas-Python312:9",
}


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, str(BASE_DIR / "infra" / "package.py"), "--dist", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return folder


def built(dist: Path) -> dict[str, Path]:
    return {kind: dist / name for kind, name in json.loads((dist / "artifacts.json").read_text()).items()}


def test_the_lambda_zip_holds_the_handler_and_no_django_code(dist):
    names = zipfile.ZipFile(built(dist)["lambda_zip"]).namelist()
    assert "filter_and_process_orders/handler.py" in names
    assert all(name.startswith("filter_and_process_orders/") for name in names)
    # Beside each module, its bytecode for the Lambda's Python alone (the template's runtime).
    sources = {name.rpartition("/")[2][:-3] for name in names if name.endswith(".py")}
    compiled = [name.rpartition("/")[2] for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert sorted(compiled) == sorted(f"{stem}.cpython-312.pyc" for stem in sources)
    assert re.search(r"Runtime: python3\.12\n", (BASE_DIR / "infra" / "cloudformation.yaml").read_text())
    with zipfile.ZipFile(built(dist)["lambda_zip"]) as archive:
        sources = [archive.read(name).decode() for name in names if name.endswith(".py")]
    assert not any("import django" in s or "from django" in s for s in sources)


def test_the_zipped_handler_imports_on_its_own_without_loading_django(dist, tmp_path):
    zipfile.ZipFile(built(dist)["lambda_zip"]).extractall(tmp_path)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import filter_and_process_orders.handler as h; assert callable(h.lambda_handler);"
        "assert h.__file__.startswith(sys.argv[1]), h.__file__;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'ordersite', 'pipeline_admin'}))"
    )
    # -I: neither the repository nor PYTHONPATH is on the path, as in the Lambda runtime.
    result = subprocess.run(
        [sys.executable, "-I", "-c", probe, str(tmp_path)], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_lambdas_python_uses_the_zipped_bytecode_as_it_is_and_recompiles_a_module_whose_source_changed(
    dist, tmp_path
):
    zipfile.ZipFile(built(dist)["lambda_zip"]).extractall(tmp_path)
    config = tmp_path / "filter_and_process_orders" / "config.py"
    config.write_text(config.read_text() + "\nEDITED = True\n")
    probe = "import sys; sys.path.insert(0, sys.argv[1]); import filter_and_process_orders.config as c; print(c.EDITED)"
    # -v says where each module's code object came from; nothing may be written (/var/task is read-only).
    result = subprocess.run(
        [lambda_python_find(), "-I", "-v", "-B", "-c", probe, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stdout.strip() == "True", result.stderr
    cache = tmp_path / "filter_and_process_orders" / "__pycache__"
    assert f"code object from '{cache}/__init__.cpython-312.pyc'" in result.stderr
    assert f"code object from '{cache}/config.cpython-312.pyc'" not in result.stderr


def test_packaging_with_a_python_that_is_not_the_lambdas_stops_and_says_which_one_is_needed(tmp_path):
    other = tmp_path / "python3.11"
    other.write_text("#!/bin/sh\necho cpython-311\n")  # answers as another version would
    other.chmod(0o755)
    result = subprocess.run(
        [sys.executable, str(BASE_DIR / "infra" / "package.py"), "--dist", str(tmp_path / "dist")]
        + ["--lambda-python", str(other)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "did not compile the Lambda's bytecode as python3.12" in result.stderr
    assert not list((tmp_path / "dist").glob("*.zip"))


def test_the_app_artifact_holds_the_site_and_the_cleaning_code_but_not_the_tests(dist):
    names = set(tarfile.open(built(dist)["app_artifact"]).getnames())
    for needed in (
        "manage.py",
        "requirements-prod.txt",
        "ordersite/settings.py",
        "ordersite/wsgi.py",
        "ordersite/celery.py",
        "dashboard/reports/__init__.py",
        "lambda/filter_and_process_orders/cleaning.py",
    ):
        assert needed in names, needed
    assert not any(
        n.startswith(("tests/", ".venv", "dist/", "var/", "infra/", ".git", "requirements.txt")) for n in names
    )
    assert not any("__pycache__" in n for n in names)


def test_packaging_the_same_code_twice_gives_the_same_artifacts(dist, tmp_path):
    subprocess.run(
        [sys.executable, str(BASE_DIR / "infra" / "package.py"), "--dist", str(tmp_path)], check=True, timeout=120
    )
    first, second = built(dist), built(tmp_path)
    assert {k: p.name for k, p in first.items()} == {k: p.name for k, p in second.items()}
    assert all(first[k].read_bytes() == second[k].read_bytes() for k in first)


# A stand-in for the AWS CLI: it logs every call and answers like CloudFormation would for an account
# where the stack is in the state written in ./stack-status (absent: no stack yet).
FAKE_AWS = """#!{python}
import json, pathlib, sys
here = pathlib.Path({folder!r})
LATEST_AMI = "ami-0123456789abcdef0"
args = sys.argv[1:]
with open(here / "aws.log", "a") as log:
    log.write(json.dumps(args) + "\\n")
status_file = here / "stack-status"
if args[:1] == ["--version"]:
    print("aws-cli/2.0.0 fake")
elif args[:2] == ["sts", "get-caller-identity"]:
    if {credentials!r}:
        print("111122223333")
    else:
        sys.exit("Unable to locate credentials")
elif args[:2] == ["cloudformation", "describe-stacks"]:
    query = args[args.index("--query") + 1]
    if not status_file.exists():
        sys.exit("An error occurred (ValidationError): Stack with id ordersite does not exist")
    if query.endswith("StackStatus"):
        print(status_file.read_text())
    elif "AmiId" in query:
        print((here / "stack-ami").read_text() if (here / "stack-ami").exists() else "None")
    elif "BucketName" in query:
        print("ordersite-111122223333-eu-west-1")
    else:
        print("outputs table")
elif args[:2] == ["cloudformation", "deploy"]:
    status_file.write_text("CREATE_COMPLETE")
    (here / "stack-ami").write_text(next(a for a in args if a.startswith("AmiId=")).split("=", 1)[1])
elif args[:2] == ["ssm", "get-parameter"]:
    assert args[args.index("--name") + 1].startswith("/aws/service/ami-amazon-linux-latest/al2023-ami-"), args
    print(LATEST_AMI)
elif args[:2] == ["s3", "cp"]:
    assert pathlib.Path(args[-2]).is_file(), args
else:
    sys.exit("unexpected call: " + " ".join(args))
"""


def _deploy(
    tmp_path: Path, args: dict[str, str], with_fake_aws: bool, credentials: bool = False
) -> subprocess.CompletedProcess:
    """Run infra/deploy.sh with a PATH holding only what it needs, and optionally the fake `aws`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in ("dirname", "cat", "bash"):
        target = next(Path(p) / tool for p in ("/usr/bin", "/bin") if (Path(p) / tool).exists())
        if not (bin_dir / tool).exists():
            (bin_dir / tool).symlink_to(target)
    if with_fake_aws:
        (bin_dir / "aws").write_text(
            FAKE_AWS.format(python=sys.executable, folder=str(tmp_path), credentials=credentials)
        )
        (bin_dir / "aws").chmod(0o755)
    env = {"PATH": str(bin_dir), "PYTHON": sys.executable, "HOME": str(tmp_path), **args}
    return subprocess.run(
        ["/bin/bash", str(BASE_DIR / "infra" / "deploy.sh")], capture_output=True, text=True, env=env, timeout=60
    )


def test_deploy_without_the_aws_cli_says_so_and_how_to_get_it(tmp_path):
    result = _deploy(tmp_path, GOOD_ARGS, with_fake_aws=False)
    assert result.returncode == 1
    assert "AWS CLI is not installed" in result.stderr
    assert "aws configure" in result.stderr and "Nothing was uploaded" in result.stderr


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"STACK": "Orders_Site"}, "set STACK="),
        ({"STACK": ""}, "set STACK="),
        ({"ALLOWED_CIDR": "0.0.0.0"}, "set ALLOWED_CIDR="),
        ({"PANDAS_LAYER_ARN": "arn:aws:lambda:eu-west-1:111122223333:layer:Pandas:1"}, "set PANDAS_LAYER_ARN"),
    ],
)
def test_deploy_refuses_bad_arguments_before_calling_aws(tmp_path, dist, override, message):
    result = _deploy(tmp_path, {**GOOD_ARGS, "DIST": str(dist), **override}, with_fake_aws=True)
    assert result.returncode == 1
    assert message in result.stderr
    assert aws_calls(tmp_path) == [["--version"]]


def aws_calls(tmp_path: Path) -> list[list[str]]:
    return [json.loads(line) for line in (tmp_path / "aws.log").read_text().splitlines()]


def test_deploy_stops_with_a_clear_message_when_the_cli_has_no_credentials(tmp_path, dist):
    result = _deploy(tmp_path, {**GOOD_ARGS, "DIST": str(dist)}, with_fake_aws=True)
    assert result.returncode == 1
    assert "no working credentials" in result.stderr
    assert [call[:2] for call in aws_calls(tmp_path)] == [["--version"], ["sts", "get-caller-identity"]]


def test_a_first_deploy_creates_the_bucket_then_uploads_then_deploys_with_the_artifact_keys(tmp_path, dist):
    artifacts = {kind: path.name for kind, path in built(dist).items()}
    result = _deploy(tmp_path, {**GOOD_ARGS, "DIST": str(dist), "PARAMS": "InstanceType=t3.medium"}, True, True)
    assert result.returncode == 0, result.stderr
    calls = aws_calls(tmp_path)
    deploys = [c for c in calls if c[:2] == ["cloudformation", "deploy"]]
    uploads = [c[-1] for c in calls if c[:2] == ["s3", "cp"]]
    assert len(deploys) == 2
    assert "LambdaCodeKey=" in deploys[0] and "AppArtifactKey=" in deploys[0]
    assert uploads == [f"s3://ordersite-111122223333-eu-west-1/artifacts/{artifacts[k]}" for k in artifacts]
    assert f"LambdaCodeKey=artifacts/{artifacts['lambda_zip']}" in deploys[1]
    assert f"AppArtifactKey=artifacts/{artifacts['app_artifact']}" in deploys[1]
    for deploy in deploys:
        assert deploy[deploy.index("--stack-name") + 1] == "ordersite"
        assert deploy[deploy.index("--template-file") + 1] == "infra/cloudformation.yaml"
        assert "CAPABILITY_IAM" in deploy
        assert {"AllowedCidr=203.0.113.7/32", "InstanceType=t3.medium"} <= set(deploy)
    assert calls.index(deploys[0]) < calls.index(next(c for c in calls if c[:2] == ["s3", "cp"]))


def test_a_later_deploy_uploads_and_deploys_once(tmp_path, dist):
    (tmp_path / "stack-status").write_text("UPDATE_COMPLETE")
    result = _deploy(tmp_path, {**GOOD_ARGS, "DIST": str(dist)}, with_fake_aws=True, credentials=True)
    assert result.returncode == 0, result.stderr
    deploys = [c for c in aws_calls(tmp_path) if c[:2] == ["cloudformation", "deploy"]]
    assert len(deploys) == 1 and "LambdaCodeKey=" not in deploys[0]


def test_a_stack_that_failed_to_create_is_reported_and_left_alone(tmp_path, dist):
    (tmp_path / "stack-status").write_text("ROLLBACK_COMPLETE")
    result = _deploy(tmp_path, {**GOOD_ARGS, "DIST": str(dist)}, with_fake_aws=True, credentials=True)
    assert result.returncode == 1
    assert "ROLLBACK_COMPLETE" in result.stderr and "delete-stack" in result.stderr
    assert not [c for c in aws_calls(tmp_path) if c[:2] in (["cloudformation", "deploy"], ["s3", "cp"])]


def _ami_of(deploy: list[str]) -> str:
    return next(a for a in deploy if a.startswith("AmiId=")).split("=", 1)[1]


def test_a_first_deploy_resolves_the_image_once_and_passes_it_to_both_deploys(tmp_path, dist):
    result = _deploy(tmp_path, {**GOOD_ARGS, "DIST": str(dist)}, with_fake_aws=True, credentials=True)
    assert result.returncode == 0, result.stderr
    calls = aws_calls(tmp_path)
    assert [c[:2] for c in calls].count(["ssm", "get-parameter"]) == 1
    deploys = [c for c in calls if c[:2] == ["cloudformation", "deploy"]]
    assert [_ami_of(d) for d in deploys] == ["ami-0123456789abcdef0"] * 2


def test_an_update_keeps_the_stacks_image_even_when_aws_has_published_a_newer_one(tmp_path, dist):
    (tmp_path / "stack-status").write_text("UPDATE_COMPLETE")
    (tmp_path / "stack-ami").write_text("ami-00000000000000001")
    result = _deploy(tmp_path, {**GOOD_ARGS, "DIST": str(dist)}, with_fake_aws=True, credentials=True)
    assert result.returncode == 0, result.stderr
    calls = aws_calls(tmp_path)
    assert ["ssm", "get-parameter"] not in [c[:2] for c in calls]
    (deploy,) = [c for c in calls if c[:2] == ["cloudformation", "deploy"]]
    assert _ami_of(deploy) == "ami-00000000000000001"


def test_ami_id_moves_the_web_server_to_another_image_on_purpose(tmp_path, dist):
    (tmp_path / "stack-status").write_text("UPDATE_COMPLETE")
    (tmp_path / "stack-ami").write_text("ami-00000000000000001")
    args = {**GOOD_ARGS, "DIST": str(dist), "AMI_ID": "ami-0fedcba9876543210"}
    result = _deploy(tmp_path, args, with_fake_aws=True, credentials=True)
    assert result.returncode == 0, result.stderr
    (deploy,) = [c for c in aws_calls(tmp_path) if c[:2] == ["cloudformation", "deploy"]]
    assert _ami_of(deploy) == "ami-0fedcba9876543210"
    bad = _deploy(tmp_path, {**args, "AMI_ID": "ubuntu"}, with_fake_aws=True, credentials=True)
    assert bad.returncode == 1 and "AMI_ID must look like" in bad.stderr


# Arrays filled from a variable may be empty; bash < 4.4 (macOS: 3.2) treats "${a[@]}" of an empty array
# as unbound under `set -u`, so such arrays may only be expanded as ${a[@]+"${a[@]}"}.
MAYBE_EMPTY_ARRAY = re.compile(r"^\s*(\w+)=\(\$\{?\w", re.M)


@pytest.mark.parametrize("script", ["infra/deploy.sh", "scripts/system-deps.sh"])
def test_arrays_that_may_be_empty_are_expanded_the_way_bash_3_2_allows(script):
    path = BASE_DIR / script
    source = re.sub(r"(^|\s)#.*", "", path.read_text())  # comments may show the bad form
    for name in MAYBE_EMPTY_ARRAY.findall(source) + re.findall(r"^\s*(\w+)=\(\)", source, re.M):
        unguarded = source.replace(f'${{{name}[@]+"${{{name}[@]}}"}}', "")
        assert f"${{{name}[@]}}" not in unguarded, f"{script}: ${{{name}[@]}} needs the bash 3.2 form"


def test_deploy_runs_with_an_empty_params_list_under_set_u(tmp_path, dist):
    (tmp_path / "stack-status").write_text("UPDATE_COMPLETE")
    (tmp_path / "stack-ami").write_text("ami-00000000000000001")
    result = _deploy(tmp_path, {**GOOD_ARGS, "DIST": str(dist), "PARAMS": ""}, with_fake_aws=True, credentials=True)
    assert result.returncode == 0, result.stderr
    assert "unbound variable" not in result.stderr


def test_the_shell_scripts_pass_shellcheck():
    shellcheck = shutil.which("shellcheck")
    if not shellcheck:
        pytest.fail("shellcheck is missing: `make test` installs it (scripts/system-deps.sh shellcheck)")
    scripts = [str(BASE_DIR / s) for s in ("infra/deploy.sh", "scripts/system-deps.sh")]
    result = subprocess.run([shellcheck, *scripts], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
