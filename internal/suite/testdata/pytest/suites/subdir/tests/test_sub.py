import pytest


@pytest.mark.parametrize("s", ["a b", "x[1]"])
def test_param(s):
    assert s


class TestThing:
    def test_method(self):
        print("hello from the method")
        assert "hello"
