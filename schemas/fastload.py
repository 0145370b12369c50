"""`schema.load` for many records at a time, without marshmallow's per-field bookkeeping.

marshmallow spends most of a load on machinery that only matters when something is wrong:
error stores, getter closures, validator wrappers rebuilt for every value, hook lookups. A
`FastLoader` walks the same fields, calls the same `_deserialize` methods, validators and
schema hooks, and keeps the plain case only: a value of the exact type the field expects.
Anything else (an error, a value marshmallow would coerce, a field or option it does not
know) gives up on the record and hands it to `schema.load` itself, so the result and every
error message are marshmallow's own.

Hooks are called once on the fast path and again if the record then goes to marshmallow, so
they must not change the input they are given (changing their own output is fine). A field
class of the project's own may say how it is compiled: `compile_core(compile_schema)` returns
a function of (value, attr, data) doing what its `_deserialize` does.
"""

import math
import operator
from collections.abc import Callable

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, missing, validate
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA


class Unsure(Exception):
    """Not a plain valid value: marshmallow decides."""


class FastLoader:
    """`load(data)` returns what `schema.load(data)` returns, and raises what it raises."""

    def __init__(self, schema: Schema):
        self.schema = schema
        self._load = compile_schema(schema)

    def load(self, data):
        try:
            return self._load(data)
        except Unsure:
            return self.schema.load(data)


def compile_schema(schema: Schema) -> Callable:
    """A function loading one record of `schema` (not many), or raising Unsure."""
    supported = (
        schema.dict_class is dict
        and not schema.many
        and not schema.partial
        and schema.unknown in (RAISE, EXCLUDE)
        and not schema._hooks[VALIDATES]
        and all(
            not many and not kwargs.get("pass_original")
            for tag in (PRE_LOAD, VALIDATES_SCHEMA, POST_LOAD)
            for _, many, kwargs in schema._hooks[tag]
        )
        and all("." not in (f.attribute or name) for name, f in schema.load_fields.items())
    )
    if not supported:
        return _delegate(schema.load)

    def hooks(tag):
        return [getattr(schema, name) for name, _, _ in schema._hooks[tag]]

    pre, checks, post = hooks(PRE_LOAD), hooks(VALIDATES_SCHEMA), hooks(POST_LOAD)
    options = {"many": False, "partial": schema.partial, "unknown": schema.unknown}
    # Each field's key in and out, and, where its value is taken as it is, its type and tests:
    # those values are checked right here, without a call.
    plan = [
        (name if f.data_key is None else f.data_key, f.attribute or name, *_compile_field(f))
        for name, f in schema.load_fields.items()
    ]
    known = frozenset(key for key, *_ in plan)
    refuse_unknown = schema.unknown == RAISE

    def load(data):
        if type(data) is not dict:
            raise Unsure
        try:
            for hook in pre:
                data = hook(data, **options)
            if type(data) is not dict:
                raise Unsure
            result = {}
            for key, attribute, plain, tests, load_field in plan:
                value = data.get(key, missing)
                if type(value) is plain:
                    for test in tests:
                        if not test(value):
                            raise Unsure
                    result[attribute] = value
                    continue
                value = load_field(value, key, data)
                if value is not missing:
                    result[attribute] = value
            if refuse_unknown and not known.issuperset(data):
                raise Unsure
            for check in checks:
                check(result, **options)
            for hook in post:
                result = hook(result, **options)
        except ValidationError:
            raise Unsure from None
        return result

    return load


def compile_field(field: fields.Field) -> Callable:
    """A function of (value, attr, data) doing what `field.deserialize` does, or raising
    Unsure (or ValidationError) where it would not simply succeed."""
    return _compile_field(field)[2]


def _compile_field(field: fields.Field) -> tuple[type | None, tuple, Callable]:
    """The type of the values the field takes as they are (or None), the tests they must pass,
    and the function that loads any value."""
    if field.pre_load or field.post_load:
        return None, (), _delegate(field.deserialize)
    required, allow_none, default = field.required, field.allow_none, field.load_default
    tests = tuple(_test(validator) for validator in field.validators)

    def absent(value):
        """A missing value or None, where marshmallow takes them."""
        if value is missing and not required:
            return default() if callable(default) else default
        if value is None and allow_none:
            return None
        raise Unsure

    plain = _plain_type(field)
    if plain is not None:

        def load_plain(value, attr=None, data=None):
            if type(value) is not plain:
                return absent(value)
            for test in tests:
                if not test(value):
                    raise Unsure
            return value

        return plain, tests, load_plain
    core = _core(field)

    def load(value, attr=None, data=None):
        if value is missing or value is None:
            return absent(value)
        output = core(value, attr, data)
        for test in tests:
            if not test(output):
                raise Unsure
        return output

    return None, (), load


def _test(validator) -> Callable:
    """A validator as a test that is true where it passes. marshmallow's own kinds are worked
    out here, without the error they would build, and a validator with `compile_test()` says
    how it is tested; any other validator is called, and raises where it fails. (Where a
    value cannot be tested at all, both raise the same TypeError, but for OneOf, which makes
    that a failure.)"""
    if hasattr(validator, "compile_test"):  # a validator of the project's own
        return validator.compile_test()
    kind = type(validator)
    if kind is validate.Length:
        if validator.equal is not None:
            return lambda value: len(value) == validator.equal
        low = -math.inf if validator.min is None else validator.min
        high = math.inf if validator.max is None else validator.max
        return lambda value: low <= len(value) <= high
    if kind is validate.Regexp:
        match = validator.regex.match
        return lambda value: match(value) is not None
    if kind is validate.Range:
        low, high = validator.min, validator.max
        above = operator.ge if validator.min_inclusive else operator.gt
        below = operator.le if validator.max_inclusive else operator.lt
        return lambda value: (
            (low is None or above(value, low)) and (high is None or below(value, high))
        )
    if kind is validate.OneOf:
        choices = validator.choices

        def chosen(value):
            try:
                return value in choices
            except TypeError:
                return False

        return chosen

    def called(value):
        validator(value)
        return True

    return called


def _plain_type(field: fields.Field) -> type | None:
    """The type of the values a field loads as they are; other values go to marshmallow (it
    takes numeric strings as integers, "yes" as true...)."""
    kind = type(field)
    if kind is fields.String:
        return str
    if kind is fields.Integer:
        return int
    default_words = (fields.Boolean.truthy, fields.Boolean.falsy)
    if kind is fields.Boolean and (field.truthy, field.falsy) == default_words:
        return bool
    return None


def _core(field: fields.Field) -> Callable:
    """What `field._deserialize` returns for a value that is neither missing nor None."""
    if hasattr(field, "compile_core"):
        return field.compile_core(compile_schema)
    kind = type(field)
    if kind is fields.List:
        inner = compile_field(field.inner)

        def each(value, attr, data):
            if type(value) is not list:
                raise Unsure
            return [inner(item) for item in value]

        return each
    if kind is fields.Nested and not field.many and not field.schema.many and not field.unknown:
        nested = compile_schema(field.schema)
        return lambda value, attr, data: nested(value)
    # Any other field: its own code, which is exact; only a failure needs marshmallow.
    return field._deserialize


def remembered(deserialize: Callable) -> Callable:
    """A field's `_deserialize` that remembers what it made of each string: for fields whose
    few values recur (country codes) and whose result depends on the value alone. Failures are
    not remembered; they raise again."""
    seen = {}

    def core(value, attr, data):
        if type(value) is not str:
            return deserialize(value, attr, data)
        try:
            return seen[value]
        except KeyError:
            seen[value] = result = deserialize(value, attr, data)
            return result

    return core


def _delegate(load: Callable) -> Callable:
    def delegated(*args):
        try:
            return load(*args)
        except ValidationError:
            raise Unsure from None

    return delegated
