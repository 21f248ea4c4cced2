from collections.abc import Iterator

import pytest

from tests.notifications.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 standing in for a merchant's webhook endpoint."""
    with Receiver() as running:
        yield running
