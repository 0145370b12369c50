"""What the API says about a request's own URL: the base its links start with, and its query.

Links start from `MEETINGS_PUBLIC_URL` when it is set; else, behind trusted proxies, from the
scheme and host they forward; else from the address `meetings serve` listens on; else they are
relative (`/v1/meetings?…`). A client's `Host` header is never believed: a cache in front would
keep a page whose links point wherever one client said. A query goes back as it was sent, with
any API key in it redacted, so that no key reaches a link, a problem or the access log.
"""

import re
from urllib.parse import quote, unquote_plus, urlsplit

from flask import request
from werkzeug.exceptions import abort
from werkzeug.utils import redirect

from api.config import HOST

# Addresses a server listens on but no client can reach it at.
WILDCARDS = ("", "0.0.0.0", "::", "[::]", "*")
# What the middleware works out for the app (and the Reads middleware): the start of every link.
LINK_BASE = "meetings.link_base"
REDIRECTS = (301, 302, 303, 307, 308)

# Everything RFC 3986 allows in a query goes back as sent; anything else is percent-encoded.
QUERY_SAFE = "-._~!$&'()*+,;=:@/?%"
PATH_SAFE = "-._~!$&'()*+,;=:@/"
REDACTED = "REDACTED"
# An API key of ours, `mr_<id>_<secret>`, wherever it stands in a value.
KEY_SHAPE = re.compile(r"(?<![A-Za-z0-9])mr_[A-Za-z0-9]+_[A-Za-z0-9_-]+")
# Parameter names that carry credentials by convention (`api_key`, `access_token`, `key`...),
# compared lowercased with letters and digits only.
SECRET_NAME = re.compile(r"(?:key|token|secret|passw(?:or)?d|auth|authorization|bearer|cred\w*)$")
# Most queries hold none of these, and are not split at all.
SUSPECT = re.compile(r"(?i)key|token|secret|pass|auth|bearer|cred|mr_|%")


def served_at(host: str, port: int) -> str:
    """The base URL of `meetings serve --host --port`, or "" when clients cannot use that
    address as it is (every interface, or a port the system picks)."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal
    if host in WILDCARDS or port == 0 or not HOST.fullmatch(host):
        return ""
    return f"http://{host}:{port}"


def forwarded_host(environ: dict, proxies: int) -> str | None:
    """The X-Forwarded-Host the outermost of `proxies` trusted proxies set, as werkzeug's
    ProxyFix reads X-Forwarded-For: values a client added before it are not believed."""
    values = [v.strip() for v in environ.get("HTTP_X_FORWARDED_HOST", "").split(",")]
    if not proxies or len(values) < proxies or not HOST.fullmatch(values[-proxies]):
        return None
    return values[-proxies]


class PublicOrigin:
    """WSGI middleware: the request's scheme, host and prefix become the public ones, so that
    whatever builds a URL from them (links, a redirect, the docs page) never shows a client's
    Host. With no public origin, links are relative."""

    def __init__(self, wsgi_app, config: dict):
        self.wsgi_app = wsgi_app
        public = config["MEETINGS_PUBLIC_URL"] or config.get("SERVED_AT") or ""
        # A trusted proxy's forwarded host outranks the listening address, not a public URL.
        self.proxies = 0 if config["MEETINGS_PUBLIC_URL"] else config["MEETINGS_TRUSTED_PROXIES"]
        self.public = urlsplit(public) if public and not self.proxies else None

    def __call__(self, environ, start_response):
        if self.public is not None:
            environ["wsgi.url_scheme"] = self.public.scheme
            environ["HTTP_HOST"] = self.public.netloc
            if self.public.path:
                environ["SCRIPT_NAME"] = self.public.path
        elif host := forwarded_host(environ, self.proxies):
            environ["HTTP_HOST"] = host  # the scheme is ProxyFix's, from X-Forwarded-Proto
        else:
            # Links are relative. What a library still builds from a host gets the server's
            # own name (`public_location` takes it off again).
            environ.pop("HTTP_HOST", None)
            environ[LINK_BASE] = _path(environ.get("SCRIPT_NAME", ""))
            return self.wsgi_app(environ, start_response)
        base = f"{environ['wsgi.url_scheme']}://{environ['HTTP_HOST']}"
        environ[LINK_BASE] = base + _path(environ.get("SCRIPT_NAME", ""))
        return self.wsgi_app(environ, start_response)


def public_location(response):
    """After a Flask request: a Location built from the request's URL (werkzeug's redirect to
    a trailing slash) is relative when links are, and any API key in its query is redacted,
    in the header and in the redirect's page."""
    location = response.headers.get("Location")
    if not location:
        return response
    own = request.host_url.rstrip("/")
    safe = location
    if safe.startswith(own + "/") and not link_base(request.environ).startswith("http"):
        safe = safe[len(own) :]
    target, mark, query = safe.partition("?")
    safe = target + mark + redact(query)
    if safe != location:
        response.headers["Location"] = safe
        if response.status_code in REDIRECTS:
            response.set_data(redirect(safe, response.status_code).get_data())
    return response


def link_base(environ: dict) -> str:
    """The start of every link: the public origin and prefix, or the prefix alone."""
    base = environ.get(LINK_BASE)
    return _path(environ.get("SCRIPT_NAME", "")) if base is None else base


def _path(path: str) -> str:
    # PATH_INFO and SCRIPT_NAME hold the path's bytes decoded as latin-1 (PEP 3333).
    return quote(path.encode("latin-1", "replace"), safe=PATH_SAFE)


def url_as_sent(environ: dict) -> tuple[str, str]:
    """The request's URL without its query (from the link base), and its query as sent."""
    base = link_base(environ) + _path(environ.get("PATH_INFO", ""))
    return base, query_as_sent(environ)


def query_as_sent(environ: dict) -> str:
    """The query string byte for byte as the client sent it, any API key in it redacted; a
    byte that no URL may hold (which no conforming client sends) percent-encoded."""
    query = redact(environ.get("QUERY_STRING", ""))
    return quote(query.encode("latin-1", "replace"), safe=QUERY_SAFE)


def redact(query: str) -> str:
    """`query` with the value of every parameter that holds an API key (by its name, such as
    `api_key` or `access_token`, or by its shape, `mr_<id>_<secret>`) replaced by REDACTED."""
    if not SUSPECT.search(query):
        return query
    return "&".join(_redact_parameter(part) for part in query.split("&"))


def _redact_parameter(part: str) -> str:
    name, equals, value = part.partition("=")
    plain = unquote_plus(name)
    if KEY_SHAPE.search(plain):
        return REDACTED  # the key is the name itself: `?mr_…`
    secret = SECRET_NAME.search(re.sub(r"[^a-z0-9]", "", plain.lower()))
    if value and (secret or KEY_SHAPE.search(unquote_plus(value))):
        return f"{name}={REDACTED}"
    return part


def without(query: str, names) -> str:
    """A query string (as `query_as_sent` gives it) without the parameters called `names`."""
    kept = [p for p in query.split("&") if p and unquote_plus(p.partition("=")[0]) not in names]
    return "&".join(kept)


def redact_text(text: str) -> str:
    """Text (a problem's detail or message) with any key-shaped word in it redacted."""
    return KEY_SHAPE.sub(REDACTED, text)


def exact_path() -> None:
    """A 404 for a path that starts with doubled slashes, which werkzeug's routing passes over
    ("//v1/meetings" would answer as "/v1/meetings", its links echoing the slashes): a hook
    of the app's, before any that answers for a route (`app.create_app`)."""
    if request.environ.get("PATH_INFO", "").startswith("//"):
        abort(404)


def init_app(app) -> None:
    app.wsgi_app = PublicOrigin(app.wsgi_app, app.config)
    app.after_request(public_location)
