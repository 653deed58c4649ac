"""Jupyter messaging, sans-IO: building and reading messages, never sending them."""
