from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseServerError
from django.template.loader import render_to_string
from django.utils.decorators import method_decorator


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    """Django's login; django-axes counts failures and refuses locked-out tries (ordersite/login.py)."""


def server_error(request):
    """The 500 page in the site's layout; rendered without the request if that fails too."""
    try:
        body = render_to_string("500.html", request=request)
    except Exception:  # noqa: BLE001 - whatever broke the page may break its context (the database, Redis)
        body = render_to_string("500.html")
    return HttpResponseServerError(body)
