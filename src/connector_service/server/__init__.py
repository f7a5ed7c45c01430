"""The REST service (Starlette + msgspec on uvicorn)."""
