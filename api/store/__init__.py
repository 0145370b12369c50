"""Persistence for writes: meetings and the rows they own, new ids, shared people and sources,
the link graph, the change log and the stored documents, and bulk rows."""
