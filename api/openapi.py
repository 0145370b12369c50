"""The generated OpenAPI description, as the committed `openapi.yaml` holds it."""

import yaml

DESCRIPTION = """\
Structured records of diplomatic meetings (summits, foreign ministers' talks, phone calls),
mapped by hand from news articles. Every agreed point carries a verbatim quote from its source,
and every source its SHA-256, so a reader can check each record against the article.

Lists return `{data, links, meta}` and an RFC 8288 `Link` header; page with `limit` (1-100)
and the opaque `cursor` of the `next`/`prev` links. Errors are RFC 9457 problem details.
"""


def spec_dict(api) -> dict:
    return api.spec.to_dict()


def spec_yaml(api) -> str:
    return yaml.safe_dump(spec_dict(api), sort_keys=False, allow_unicode=True, width=100)
