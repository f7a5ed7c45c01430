"""The conformance suite: one scenario list every connector runs through the real REST
server against its fake. Run it with
``pytest --pyargs connector_service.testing.conformance [--connector NAME]``."""
