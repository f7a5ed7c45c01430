"""Conformance profiles of the built-in connectors (``PROFILE`` in each module)."""
