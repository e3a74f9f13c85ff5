"""Benchmarks of the pages and the import at 10k and 1M leads: ``make bench`` (see run.py)."""
