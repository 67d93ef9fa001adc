"""Node types: one module per type (STYLE.md item 1); `registry` maps type to class."""
