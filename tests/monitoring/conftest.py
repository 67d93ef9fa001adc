# The engine tests' fixtures: the recording HTTP server, the embedded mode, a dispatcher
# that collects steps.
from tests.engine.conftest import collecting, embedded, ledger

__all__ = ["collecting", "embedded", "ledger"]
