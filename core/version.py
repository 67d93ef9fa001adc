"""Stepwise's version: the single source (shown by GET /api/me/ and in the top bar; kept
equal to CHANGELOG.md's newest release by tests/config/test_version.py)."""

__version__ = "0.9.0"
