"""Parametrized tests whose node ids hold spaces, brackets, quotes, "::",
slashes and non-ASCII."""

import pytest

AWKWARD = [
    "a b",
    "x[1]",
    "it's",
    'say "hi"',
    "héllo",
    "日本",
    "a::b",
    "slash/ed",
    "back\\slash",
    "tab\there",
    "",
    "dot.ted",
    "[]",
    "semi;colon",
    "dash -x",
    "percent%s",
]


@pytest.mark.parametrize("s", AWKWARD)
def test_awkward(s):
    assert isinstance(s, str)


@pytest.mark.parametrize("s", AWKWARD)
def test_awkward_length(s):
    # Fails for the two non-ASCII strings.
    assert len(s.encode()) == len(s)


@pytest.mark.parametrize("a", [1, 2, 3])
@pytest.mark.parametrize("b", ["x", "y z", "w[0]", "ü"])
def test_product(a, b):
    assert a * b


@pytest.mark.parametrize("n", range(60))
def test_number(n):
    assert n != 51, f"{n} is a multiple of 17"


@pytest.mark.parametrize(
    "value",
    ["one", "two", "three", "four", "five"],
    ids=["with space", "with [bracket]", "quote ' single", 'quote " double', "ünïcödé"],
)
def test_explicit_ids(value):
    assert value


@pytest.mark.parametrize("dup", ["same", "same", "same"])
def test_duplicate_ids(dup):
    assert dup == "same"


@pytest.mark.parametrize("x, y", [(1, 1), (2, 3), (None, None)])
def test_tuples(x, y):
    assert x == y
