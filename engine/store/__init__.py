"""The run state's storage: the one place that reads and writes runs, steps and events,
with one backend per database where they differ (docs/architecture.md#engine-layout)."""
