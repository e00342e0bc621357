"""Reads infra/cloudformation.yaml the way CloudFormation does: short-form tags become Fn:: maps."""

from functools import cache
from pathlib import Path

import yaml
from django.conf import settings

TEMPLATE = Path(settings.BASE_DIR) / "infra" / "cloudformation.yaml"


class CfnLoader(yaml.SafeLoader):
    pass


def _intrinsic(loader: CfnLoader, suffix: str, node: yaml.Node) -> dict:
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _intrinsic)


@cache
def template() -> dict:
    return yaml.load(TEMPLATE.read_text(), Loader=CfnLoader)


def resources() -> dict:
    return template()["Resources"]


def of_type(type_name: str) -> dict[str, dict]:
    return {name: r for name, r in resources().items() if r["Type"] == type_name}


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def sub_text(value) -> str:
    """The text of a Resource/Path: a plain string, or the template string of a !Sub."""
    if isinstance(value, str):
        return value
    if "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    if "Fn::GetAtt" in value:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    if "Ref" in value:
        return "${" + value["Ref"] + "}"
    raise AssertionError(f"unexpected intrinsic {value}")


def policy_statements() -> list[tuple[str, dict]]:
    """(owner resource, statement) for every identity policy: role inline policies and AWS::IAM::Policy."""
    found = []
    for name, resource in resources().items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in properties.get("Policies", [])]
        elif resource["Type"] in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
            documents = [properties["PolicyDocument"]]
        else:
            continue
        found += [(name, statement) for document in documents for statement in document["Statement"]]
    return found


def role_statements(role: str) -> list[dict]:
    policies = {name for name, r in of_type("AWS::IAM::Policy").items() if {"Ref": role} in r["Properties"]["Roles"]}
    return [s for owner, s in policy_statements() if owner == role or owner in policies]


def s3_grants(role: str) -> dict[str, set[str]]:
    """action -> the prefixes (or "<bucket>") it is allowed on, for one role."""
    grants: dict[str, set[str]] = {}
    for statement in role_statements(role):
        if statement["Effect"] != "Allow":
            continue
        for action in as_list(statement["Action"]):
            if not action.startswith("s3:"):
                continue
            for resource in as_list(statement["Resource"]):
                text = sub_text(resource)
                prefix = text.removeprefix("${PipelineBucket.Arn}").strip("/").removesuffix("/*") or "<bucket>"
                grants.setdefault(action, set()).add(prefix)
    return grants
