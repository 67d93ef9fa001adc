import pytest

from tests.integration.server import make_server


@pytest.fixture
def live_server_process(tmp_path):
    server = make_server(tmp_path)
    try:
        yield server.start()
    finally:
        server.stop()
