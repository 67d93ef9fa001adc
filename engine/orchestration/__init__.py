"""Orchestration: starting, advancing and controlling runs, and executing their steps, as a
pipeline that flows one way, from the services (recovery, control, execute) down to the
pure planner (graph). It reads and writes the run state only through engine.store
(docs/architecture.md#engine-layout)."""
