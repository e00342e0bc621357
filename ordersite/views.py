from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.utils.decorators import method_decorator

LOGIN_ATTEMPTS = 5
LOGIN_WINDOW_SECONDS = 15 * 60


def _attempts_key(request) -> str:
    username = (request.POST.get("username") or "").strip().lower()[:150]
    return f"login-failures:{request.META.get('REMOTE_ADDR', '')}:{username}"


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    """Django's login, refusing further tries after repeated failures for one address and name."""

    def post(self, request, *args, **kwargs):
        key = _attempts_key(request)
        try:
            failures = cache.get(key, 0)
        except Exception:  # a cache outage must not lock everybody out
            failures = 0
        if failures >= LOGIN_ATTEMPTS:
            form = self.get_form()
            form.add_error(None, "Too many failed attempts: wait 15 minutes and try again.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        try:
            if response.status_code == 302:
                cache.delete(key)  # a person who got in forgets earlier typos: the count restarts
            else:
                cache.add(key, 0, timeout=LOGIN_WINDOW_SECONDS)
                cache.incr(key)
        except Exception:
            pass
        return response
