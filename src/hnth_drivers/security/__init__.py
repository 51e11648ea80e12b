"""Security core: what a transport may be, who may do what, the audit log, secrets."""
