"""Benchmarks and the load test of the class journal, run against the app served as in production."""
