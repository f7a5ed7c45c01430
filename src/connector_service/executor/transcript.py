"""Plain-text rendering of one gateway exchange, for debugging (scrubbed before use)."""

from __future__ import annotations

from connector_service.connectors.base import HttpRequest, HttpResponse


def render_transcript(
    request: HttpRequest, response: HttpResponse | None, error: str | None = None
) -> str:
    lines = [f"> {request.method} {request.url}"]
    lines += [f"> {k}: {v}" for k, v in request.headers.items()]
    if request.body:
        lines.append(">")
        lines.append(request.body.decode("utf-8", "replace"))
    if response is not None:
        lines.append(f"< {response.status} ({response.elapsed_ms:.1f} ms)")
        lines += [f"< {k}: {v}" for k, v in response.headers.items()]
        if response.body:
            lines.append("<")
            lines.append(response.body.decode("utf-8", "replace"))
    if error:
        lines.append(f"! {error}")
    return "\n".join(lines)
