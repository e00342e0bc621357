import importlib
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

TEMPLATE = Path(settings.BASE_DIR) / "infra" / "cloudformation.yaml"


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def resources() -> dict:
    return yaml.load(TEMPLATE.read_text(), Loader=_Loader)["Resources"]


def test_cfn_lint_finds_nothing():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(TEMPLATE)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_lambda_handler_path_exists_in_the_code():
    handler = resources()["FilterAndProcessOrders"]["Properties"]["Handler"]
    module, _, function = handler.rpartition(".")
    assert callable(getattr(importlib.import_module(module), function))


def test_the_lambda_environment_names_are_the_ones_the_code_reads():
    from pipeline_admin.runtime import lambda_environment

    template_names = set(resources()["FilterAndProcessOrders"]["Properties"]["Environment"]["Variables"])
    local_names = set(lambda_environment()) - {"AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION"}
    assert local_names <= template_names
    config_source = (Path(settings.BASE_DIR) / "lambda" / "filter_and_process_orders" / "config.py").read_text()
    assert all(f'"{name}"' in config_source for name in template_names)
