"""Metrics and logging shared by every layer."""
