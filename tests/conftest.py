"""Shared pytest settings: the e2e suite needs the built site; unit tests need nothing."""
