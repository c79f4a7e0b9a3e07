"""Benchmarks and a load test against a production-like stack (``make bench``)."""
