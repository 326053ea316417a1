"""A crash in the middle of a file: test_crash_here kills the interpreter."""

import os

import pytest


@pytest.mark.parametrize("n", range(5))
def test_before(n):
    assert n < 5


def test_before_fails():
    assert "before" == "after"


def test_crash_here():
    os._exit(3)


@pytest.mark.parametrize("n", range(5))
def test_after(n):
    assert n >= 0


def test_after_skips():
    pytest.skip("after the crash, skipped")
