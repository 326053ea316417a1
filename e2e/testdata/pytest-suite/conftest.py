"""Fixtures shared by the suite: some of them fail on purpose."""

import pytest


@pytest.fixture
def broken_setup():
    raise RuntimeError("database refused the connection")


@pytest.fixture
def broken_teardown():
    yield "resource"
    raise RuntimeError("could not release the resource")


@pytest.fixture
def skipping_fixture():
    pytest.skip("the fixture skips: no GPU here")


@pytest.fixture(scope="module")
def broken_module_resource():
    raise ConnectionError("module-wide service is down")


@pytest.fixture
def number():
    return 41
