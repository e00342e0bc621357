"""The three roles of ordersite and the permission check that views use."""

from functools import wraps

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

UPLOADERS = "Uploaders"
ANALYSTS = "Analysts"
PIPELINE_ADMINS = "Pipeline admins"
ALL_ROLES = (UPLOADERS, ANALYSTS, PIPELINE_ADMINS)

DEMO_USERS = {  # username: (role, password) — created by `make run` on the local twin only
    "uploader": (UPLOADERS, "uploader-demo-pass"),
    "analyst": (ANALYSTS, "analyst-demo-pass"),
    "admin": (PIPELINE_ADMINS, "admin-demo-pass"),
}


def roles_ensure() -> None:
    for name in ALL_ROLES:
        Group.objects.get_or_create(name=name)


def user_roles(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(ALL_ROLES)
    # One query per request: the user object lives for one request, and every check asks.
    if not hasattr(user, "_ordersite_roles"):
        user._ordersite_roles = frozenset(user.groups.values_list("name", flat=True))
    return set(user._ordersite_roles)


def user_has_role(user, *roles: str) -> bool:
    held = user_roles(user)
    return PIPELINE_ADMINS in held or bool(held & set(roles))


def role_required(*roles: str):
    """Views for these roles; Pipeline admins may open every page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not user_has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
