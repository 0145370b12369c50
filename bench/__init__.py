"""Benchmarks. Their synthetic data and process helpers are the test suite's (tests/)."""
