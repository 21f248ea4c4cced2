from tests.events.conftest import worker_process  # noqa: F401 (the real worker fixture, for test_storefront_flow.py)
