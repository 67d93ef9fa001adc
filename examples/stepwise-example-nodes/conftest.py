# Stepwise's own suite runs these tests from its checkout, the package not installed: its
# source is put on the path. An installed copy is used as it is.
import sys
from importlib.util import find_spec
from pathlib import Path

if find_spec("stepwise_example_nodes") is None:
    sys.path.insert(0, str(Path(__file__).parent / "src"))
