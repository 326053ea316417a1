import time

import pytest


@pytest.mark.parametrize("seconds", [1, 1.5, 2])
def test_sleeps(seconds):
    time.sleep(seconds)
