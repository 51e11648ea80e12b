"""Policy-checked transport factories. Drivers obtain every connection through these."""
