"""Repeat-sales customer analytics: ingest, quality, dedup, lifecycle and campaign stages."""
