"""Login throttling: django-axes counts failed logins in the database; this module tells it
which name and address a request is, and how the two limits combine.

- The name is normalised as Django normalises it before comparing (NFKC, as the login form and
  `AbstractBaseUser.normalize_username` do), then lower-cased, so `ｕｐｌoader2`, `Uploader2 `
  and `uploader2` count as one name. Lower-casing only merges counts: it never lets more
  guesses through.
- The address is the one that connected to the site's nginx (see `client_address`).
- Two limits (settings): `AXES_FAILURE_LIMIT` failures per name + address lock that pair out,
  `LOGIN_ADDRESS_FAILURE_LIMIT` failures per address across names lock the address out, both
  for `AXES_COOLOFF_TIME`. A name locked at one address still logs in from any other.
- The counts live in the database (axes' `AccessAttempt`), so a Redis outage lifts nothing.
  Pipeline admins see and delete lockouts in Django's admin (Axes › Access attempts).
"""

import ipaddress
import unicodedata

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.middleware import LoginRequiredMiddleware as _LoginRequired
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render, resolve_url

LOCKED_OUT = "Too many failed attempts: wait {minutes} minutes and try again, or ask an admin to clear the lockout."


def login_username(request, credentials: dict | None) -> str:
    """The name a login attempt is counted under: NFKC, stripped, lower case (at most 255 characters).

    `credentials` come from `authenticate` (the form has already applied NFKC); without them the
    posted field is used, so both paths count under the same name."""
    source = credentials if credentials else getattr(request, "POST", {})
    value = source.get("username") or ""
    return unicodedata.normalize("NFKC", str(value)).strip().lower()[:255]


def client_address(request) -> str | None:
    """The client's IP address, as the site's own nginx saw it.

    nginx (infra/cloudformation.yaml) proxies from loopback to gunicorn on 127.0.0.1 and sets
    `X-Forwarded-For: $proxy_add_x_forwarded_for`, i.e. whatever the client sent followed by
    the address nginx saw. Only that last entry cannot be forged, and it is trusted only when
    the request came from a proxy address in `LOGIN_PROXY_ADDRESSES`; otherwise (no proxy, or
    a header that is not an address) the connection's own address counts."""
    remote = request.META.get("REMOTE_ADDR") or None
    if remote in settings.LOGIN_PROXY_ADDRESSES:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            pass
    return remote


class LoginAttemptHandler(AxesDatabaseHandler):
    """axes' database handler with a second, higher limit for one address across names.

    axes compares one number with `AXES_FAILURE_LIMIT`, the largest count of its lockout
    parameters (`[["username", "ip_address"], "ip_address"]`). Here that number is the pair's
    count, or the limit itself once the address has reached `LOGIN_ADDRESS_FAILURE_LIMIT`."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        pair, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return pair

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful login forgets that name's failures at this address, not the address's
        failures for other names (else one known password would reset the address limit)."""
        pair = self.filter_user_attempts(request, credentials)[0]
        count, _ = pair.delete()
        return count


def lockout_response(request, original_response=None, credentials: dict | None = None):
    """The login page again, with the reason, as 429 Too Many Requests."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    context = {"form": form, "lockout": LOCKED_OUT.format(minutes=minutes)}
    return render(request, "registration/login.html", context, status=429)


class LoginRequiredMiddleware(_LoginRequired):
    """Django's LoginRequiredMiddleware, except that a logged-out call to the JSON API (`/api/...`)
    or any request asking for JSON gets 401 with a JSON body instead of a redirect to the HTML
    login page, which a script cannot follow."""

    def handle_no_permission(self, request, view_func):
        accept = request.headers.get("Accept", "")
        if request.path.startswith("/api/") or ("application/json" in accept and "text/html" not in accept):
            body = {"error": "authentication required: log in first", "login_url": resolve_url(settings.LOGIN_URL)}
            return JsonResponse(body, status=401, headers={"WWW-Authenticate": 'Session realm="ordersite"'})
        return super().handle_no_permission(request, view_func)
