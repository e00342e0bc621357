"""Response headers Django 5.2 does not set itself: a strict content security policy.

Every script and style is a vendored static file, so nothing inline needs allowing.
"""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)


def csp_allow_connect(response, origin: str | None):
    """The policy with one more origin the page's scripts may send to (the upload page: S3)."""
    if origin:
        policy = CONTENT_SECURITY_POLICY.replace("connect-src 'self'", f"connect-src 'self' {origin}")
        response.headers["Content-Security-Policy"] = policy
    return response


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
