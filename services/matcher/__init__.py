"""The matcher service: ranks research outputs against technology needs (and back), with reasons."""
