"""HTTP layer of the matcher."""
