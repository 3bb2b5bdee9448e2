"""Benchmarks and the large-data generator (bench/README.md). A package only so that gunicorn can import
the pages bench's settings and middleware (`bench.settings`, `bench.middleware`); the scripts run as
files (`python bench/pages.py`)."""
