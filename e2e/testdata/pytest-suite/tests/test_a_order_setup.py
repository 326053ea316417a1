"""Runs first in a serial run (file order) and leaves state behind."""

import os

import statebox


def test_configure_registry():
    statebox.registry["db"] = "ready"


def test_export_token():
    os.environ["SUITE_TOKEN"] = "t0k3n"


def test_independent_one():
    assert statebox is not None


def test_independent_two():
    assert "SUITE" not in os.environ
