"""Security headers on every response: nothing here is meant to be framed, sniffed or run."""

import base64
import hashlib
import re

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


def is_docs(path: str) -> bool:
    return path == "/docs" or path.startswith("/docs/")


# What the access-log middleware (api.http.access_log.Frame) adds to every response. The docs pages
# get their policy from the docs blueprint's hook, which sees the page.
API_HEADERS = [*COMMON.items(), ("Content-Security-Policy", API_POLICY)]
DOCS_HEADERS = list(COMMON.items())


def docs_fallback(headers: list) -> None:
    """A response under /docs that the docs blueprint did not make (a redirect, a 404) gets
    the docs policy with no inline script allowed."""
    if not any(name.lower() == "content-security-policy" for name, _ in headers):
        headers.append(("Content-Security-Policy", DOCS_POLICY.format(scripts="")))


def init_docs(blueprint) -> None:
    @blueprint.after_request
    def _docs_policy(response):
        response.headers["Content-Security-Policy"] = docs_policy(response)
        return response
