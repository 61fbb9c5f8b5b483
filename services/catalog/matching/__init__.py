"""The catalog's only way to the matcher: questions, rankings filtered by visibility, verdicts on pairs."""
