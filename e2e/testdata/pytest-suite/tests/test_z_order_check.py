"""Runs last in a serial run; two tests pass only after
tests/test_a_order_setup.py ran in the same process."""

import os

import statebox


def test_registry_ready():
    assert statebox.registry.get("db") == "ready"


def test_token_visible():
    assert os.environ.get("SUITE_TOKEN") == "t0k3n"


def test_no_dependency():
    assert 1 + 1 == 2
