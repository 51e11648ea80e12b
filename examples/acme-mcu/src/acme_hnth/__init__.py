"""Example plug-in for hnth-drivers: the Acme MCU (a made-up JSON-over-HTTPS API)."""

__version__ = "0.1.0"
