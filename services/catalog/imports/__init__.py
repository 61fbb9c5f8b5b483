"""Bulk upload and export of outputs and needs (CSV, XLSX, JSON Lines), background jobs, and the 知贝 importer."""
