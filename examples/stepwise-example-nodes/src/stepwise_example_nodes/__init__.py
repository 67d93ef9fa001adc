"""Example Stepwise node plugin: `example.slugify` and `example.hash`."""

__version__ = "1.0.0"
