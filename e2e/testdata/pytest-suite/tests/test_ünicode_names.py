"""Non-ASCII in the file name, a function name and a class name."""

import pytest


def test_grüße():
    assert "ß".upper() == "SS"


def test_日本語():
    assert len("日本語") == 3


class TestÄpfel:
    def test_zählen(self):
        assert sum([1, 2]) == 3

    def test_fehlschlag(self):
        assert "Äpfel" == "Birnen"


@pytest.mark.parametrize("emoji", ["🙂", "x🙂y"])
def test_emoji(emoji):
    assert emoji
