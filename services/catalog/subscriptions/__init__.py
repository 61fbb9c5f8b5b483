"""Subscriptions and alerts: follow a need, an output or a saved search; alerts from the change feed (issue 16)."""
