"""The package version, in a module of its own: the root package re-exports the library
lazily, so modules that only need the version (the OpenAPI document, the webhook
sender's User-Agent) import it from here and do not depend on the root package."""

__version__ = "0.1.0"
