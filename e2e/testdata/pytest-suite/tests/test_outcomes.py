"""Every outcome pytest's junitxml knows."""

import sys

import pytest


def test_passes():
    assert True


def test_fails_assert():
    assert 1 == 2


def test_fails_exception():
    raise ValueError("boom: something went wrong")


def test_fails_multiline_message():
    assert "first line\nsecond line" == "first line\nthird line"


def test_prints_and_fails():
    print("some stdout before the failure")
    print("and on stderr", file=sys.stderr)
    assert False, "printed, then failed"


def test_skip_imperative():
    pytest.skip("not today")


@pytest.mark.skip(reason="marked skip")
def test_skip_marked():
    pass


@pytest.mark.skipif(True, reason="condition holds")
def test_skipif():
    pass


@pytest.mark.xfail(reason="known bug #12")
def test_xfail():
    assert False


@pytest.mark.xfail(reason="known bug, strict", strict=True)
def test_xfail_strict():
    assert False


@pytest.mark.xfail(reason="fixed already")
def test_xpass():
    pass


@pytest.mark.xfail(reason="must fail", strict=True)
def test_xpass_strict():
    pass


@pytest.mark.xfail(raises=TypeError, reason="only TypeError")
def test_xfail_wrong_exception():
    raise ValueError("not the expected one")


def test_xfail_imperative():
    pytest.xfail("decided at run time")


def test_setup_error(broken_setup):
    pass


def test_teardown_error(broken_teardown):
    assert broken_teardown == "resource"


def test_skip_in_fixture(skipping_fixture):
    pass


@pytest.mark.xfail(reason="expected, then teardown breaks")
def test_xfail_then_teardown_error(broken_teardown):
    assert False


def test_setup_and_teardown_error(broken_teardown, broken_setup):
    pass


def test_skip_then_teardown_error(broken_teardown, skipping_fixture):
    pass


def test_uses_fixture(number):
    assert number + 1 == 42


@pytest.mark.parametrize("ok", [True, False])
def test_param_outcome(ok):
    assert ok


class TestSetupMethod:
    def setup_method(self, method):
        if method.__name__ == "test_broken_setup_method":
            raise OSError("setup_method failed")

    def test_broken_setup_method(self):
        pass

    def test_fine(self):
        pass


def test_module_resource_one(broken_module_resource):
    pass


def test_module_resource_two(broken_module_resource):
    pass
