"""Helpers every layer may use: JSON text as the API reads it, RFC 7396 merge patches, and the
one cache helper."""
