"""Marshmallow schemas shared by the API, the seed loader and (later) bulk import.

Nothing here imports from ``api``: the schemas describe the data, not the web app.
"""
