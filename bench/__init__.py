"""Benchmarks: `.venv/bin/python bench/run.py [name ...]` (or `make bench`)."""
