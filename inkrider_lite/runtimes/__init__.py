"""Runtime configuration: which runtime runs new sessions, and its options. Pure logic."""
