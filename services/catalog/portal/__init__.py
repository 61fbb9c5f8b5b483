"""The web portal: server-rendered pages for every role, served by the catalog itself (see app.py)."""
