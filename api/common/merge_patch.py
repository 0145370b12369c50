"""RFC 7396 JSON Merge Patch: the request's patch, and applying it."""

from flask import request
from flask_smorest import abort

from api.common import jsontext


def requested_patch() -> dict:
    """The request's merge patch: a JSON object, read as the other writes read their bodies
    (`api.common.jsontext`: a lone surrogate or a NUL character makes it invalid); else a 422 that
    says why."""
    try:
        patch = jsontext.loads(request.get_data(cache=True)) if request.is_json else None
        wrong = None if isinstance(patch, dict) else "The merge patch must be a JSON object."
    except ValueError as exc:
        wrong = f"The merge patch is not valid JSON: {exc}."
    if wrong:
        abort(422, message=wrong, errors={"body": ["Expected a JSON object."]})
    return patch


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
