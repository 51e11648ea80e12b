"""Simulated MCUs: the wire-neutral model (:mod:`.model`) and its protocol front ends."""
