import os
import urllib.request
from pathlib import Path

import hypothesis
import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.cache import cache

from ordersite.aws import aws_clients_clear
from ordersite.roles import ANALYSTS, PIPELINE_ADMINS, UPLOADERS, roles_ensure

REFERENCE_DATA = Path(__file__).resolve().parent / "data"

# Property tests run the same examples on every run by default, so a landing is never refused for
# an example one run happened to draw (Hypothesis' advice for CI). `HYPOTHESIS_PROFILE=explore make
# test` searches new examples; a failure it finds becomes an @example of its test.
hypothesis.settings.register_profile("ci", derandomize=True, database=None)
hypothesis.settings.register_profile("explore")
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def shared_data() -> Path:
    """The reference data set kept in the project (`tests/data/`, see its README): `orders.csv`,
    `orders.expected.json`, `wild/*.csv` and `wild.expected.json`. Nothing outside the checkout is read."""
    return REFERENCE_DATA


@pytest.fixture
def twin(db):
    """A fresh local AWS twin (moto server) with the pipeline's resources, and an empty cache."""
    import filter_and_process_orders.storage as lambda_storage

    from pipeline_admin.twin import twin_bootstrap

    request = urllib.request.Request(settings.AWS_ENDPOINT_URL + "/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=5).close()
    aws_clients_clear()
    lambda_storage._s3 = None
    twin_bootstrap()
    cache.clear()
    yield
    cache.clear()


def _user(username: str, role: str | None) -> User:
    roles_ensure()  # transactional tests flush the groups the migration created
    user = User.objects.create_user(username=username, password="pw-" + username)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def uploader(db):
    return _user("uploader", UPLOADERS)


@pytest.fixture
def analyst(db):
    return _user("analyst", ANALYSTS)


@pytest.fixture
def pipeline_admin(db):
    return _user("padmin", PIPELINE_ADMINS)
