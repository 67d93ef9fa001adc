"""Monitoring: the Prometheus metrics (metrics.py), their exposition on /metrics and on a
port of its own (exposition.py, views.py), the HTTP middleware (middleware.py). It imports
the kernel only; the engine and the entry points call into it (docs/operations-metrics.md)."""
