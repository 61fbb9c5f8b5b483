"""Roadshows and 对接会 (issue 15): events, registrations, meeting requests and the 1-on-1 schedule."""
