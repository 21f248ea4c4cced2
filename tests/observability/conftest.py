from collections.abc import Iterator

import pytest

from tests.events.conftest import worker_process  # noqa: F401 (the real worker fixture)
from tests.notifications.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 standing in for a merchant's webhook endpoint."""
    with Receiver() as running:
        yield running
