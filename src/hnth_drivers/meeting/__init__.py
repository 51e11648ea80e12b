"""Meetings: the national procedure as a runbook (planned and ad-hoc), with deadlines.

``definition`` reads a meeting file, ``steps`` holds the procedure as data, ``actions``
the registry that step actions and checks are resolved from, ``state`` the crash-safe
run state, ``runbook`` the runner, ``clock`` the real and the fake clocks.
"""
