"""Orchestration: pure functions that decide which steps are ready (dead-path elimination,
joins) and the service that advances a run under a row lock. Built by the engine issue;
the package exists now so the import contract that keeps `designer` out of it is enforced
from the first commit."""
