"""Same-task peers of ddpg-numpy's agents in other frameworks (optional dependencies: torch)."""
