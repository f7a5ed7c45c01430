"""The unified domain model: what every connector translates to and from."""
