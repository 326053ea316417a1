"""Module-level state that tests/test_a_order_setup.py leaves behind for
tests/test_z_order_check.py: the order dependence the parity test wants."""

registry = {}
