import pytest


@pytest.fixture
def breaks_on_teardown():
    yield
    raise RuntimeError("teardown broke too")


def test_call_and_teardown_fail(breaks_on_teardown):
    assert 1 == 2, "call failed"


def test_after():
    pass
