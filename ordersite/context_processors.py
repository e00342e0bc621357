from .roles import ANALYSTS, PIPELINE_ADMINS, UPLOADERS, user_has_role


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can_upload": user_has_role(user, UPLOADERS),
        "can_analyse": user_has_role(user, ANALYSTS),
        "can_admin": user_has_role(user, PIPELINE_ADMINS),
    }
