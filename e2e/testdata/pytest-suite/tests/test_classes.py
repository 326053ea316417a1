"""Test classes, nested classes and unittest cases."""

import unittest

import pytest


class TestCalculator:
    def test_add(self):
        assert 1 + 2 == 3

    def test_sub(self):
        assert 3 - 2 == 1

    def test_mul(self):
        assert 2 * 3 == 6

    def test_div(self):
        assert 6 / 3 == 2

    def test_div_zero(self):
        1 / 0

    def test_pow(self):
        assert 2**10 == 1024

    def test_mod(self):
        assert 7 % 3 == 1

    def test_neg(self):
        assert -(-1) == 1

    def test_abs(self):
        assert abs(-5) == 5

    @pytest.mark.skip(reason="calculators do not do that")
    def test_sqrt(self):
        pass

    @pytest.mark.parametrize("x", [0, 1, "two words", "[x]"])
    def test_param_method(self, x):
        assert x is not None


class TestOuter:
    def test_outer(self):
        pass

    class TestInner:
        def test_inner(self):
            pass

        def test_inner_fails(self):
            assert [1, 2] == [1, 3]

        class TestDeepest:
            def test_deep(self):
                pass


class TestWithFixtures:
    @pytest.fixture(autouse=True)
    def setup_value(self):
        self.value = 10
        yield
        self.value = None

    def test_value(self):
        assert self.value == 10

    def test_value_wrong(self):
        assert self.value == 11


class UnitCase(unittest.TestCase):
    def test_ok(self):
        self.assertEqual(1, 1)

    def test_fail(self):
        self.assertEqual("a", "b")

    @unittest.skip("unittest skip")
    def test_skip(self):
        pass

    @unittest.expectedFailure
    def test_expected_failure(self):
        self.assertTrue(False)

    @unittest.expectedFailure
    def test_unexpected_success(self):
        pass

    def test_error(self):
        raise KeyError("missing")


class UnitCaseSetupError(unittest.TestCase):
    def setUp(self):
        raise RuntimeError("setUp broke")

    def test_never_runs(self):
        pass
