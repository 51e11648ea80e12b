"""Meetings: the national procedure as a runbook (planned and ad-hoc), with deadlines.

``definition`` reads a meeting file, ``steps`` holds the procedure as data, ``actions``
the registry that step actions and checks are resolved from, ``state`` the crash-safe
run state, ``runbook`` the runner, ``clock`` the real and the fake clocks.
"""

import logging

# The library logs; the application decides where logs go (no "last resort" on stderr).
logging.getLogger(__name__).addHandler(logging.NullHandler())
