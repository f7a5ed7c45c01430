"""The ``connector-service`` command."""
