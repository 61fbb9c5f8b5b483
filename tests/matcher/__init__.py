"""Tests of the matcher service and of the catalog routes that call it."""
