"""The broker workflow: matches, introductions, notifications, technology contracts and statistics."""
