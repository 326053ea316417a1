"""A test file one directory down: its classname is tests.unit.test_math_unit."""

import math

import pytest


@pytest.mark.parametrize("n", range(120))
def test_square(n):
    assert math.isqrt(n * n) == n


class TestTrig:
    @pytest.mark.parametrize("deg", [0, 30, 45, 60, 90])
    def test_sin_bounded(self, deg):
        assert -1 <= math.sin(math.radians(deg)) <= 1

    def test_pi(self):
        assert round(math.pi, 2) == 3.14
