"""Node types: one module per type; `registry` maps type to class (docs/architecture.md#adding-a-node-type)."""
