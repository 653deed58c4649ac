"""Session policy: lifecycle states and how many local workers may exist. Pure logic."""
