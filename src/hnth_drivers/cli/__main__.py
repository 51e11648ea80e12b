"""``python -m hnth_drivers.cli``: the same as the ``hnth`` console script."""

from . import main

main()
