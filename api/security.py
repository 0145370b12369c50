"""Security headers on every response: nothing here is meant to be framed, sniffed or run."""

import base64
import hashlib
import re

from flask import request

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# JSON, CSV, YAML: a browser that opens one directly must load and run nothing.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI runs its own same-origin bundle, sets inline styles and uses data: icons.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'{scripts}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'"
)
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _inline_script_hashes(html: str) -> str:
    """CSP hashes of the page's inline scripts: allowed by content, not 'unsafe-inline'.

    The docs page embeds its config, which includes the request's own URL, so the hash is
    worked out for each page as served.
    """
    digests = (hashlib.sha256(s.encode()).digest() for s in INLINE_SCRIPT.findall(html))
    return "".join(f" 'sha256-{base64.b64encode(d).decode()}'" for d in digests)


def docs_policy(response) -> str:
    scripts = ""
    # Files sent as they are (the bundle, oauth2-redirect.html) hold no inline script.
    if response.mimetype == "text/html" and not response.direct_passthrough:
        scripts = _inline_script_hashes(response.get_data(as_text=True))
    return DOCS_POLICY.format(scripts=scripts)


def init_app(app) -> None:
    @app.after_request
    def _secure(response):
        response.headers.update(COMMON)
        docs = request.path == "/docs" or request.path.startswith("/docs/")
        response.headers["Content-Security-Policy"] = docs_policy(response) if docs else API_POLICY
        return response
