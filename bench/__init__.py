"""Benchmarks: each prints the platform's figures beside the raw engine doing the same work."""
