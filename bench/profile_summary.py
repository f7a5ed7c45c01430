"""Summarise a py-spy ``--format raw`` (collapsed stacks) profile: the functions with the
most samples, self and inclusive, as shares of all samples.

    python bench/profile_summary.py profile.txt [--top 40] [--filter connector_service]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _name(frame: str) -> str:
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    path = m.group("file")
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{m.group('func')} ({path})"


def summarise(path: str, top: int = 40, needle: str | None = None) -> str:
    self_count: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    total = 0
    with open(path) as f:
        for raw in f:
            stack, _, count_s = raw.rstrip("\n").rpartition(" ")
            if not stack:
                continue
            count = int(count_s)
            frames = [_name(fr) for fr in stack.split(";") if fr.strip()]
            if not frames:
                continue
            total += count
            self_count[frames[-1]] += count
            for name in set(frames):
                incl[name] += count
    lines = [f"{total} samples"]
    for title, counter in (("self", self_count), ("inclusive", incl)):
        lines.append(f"\n--- top {top} by {title} samples ---")
        shown = 0
        for name, n in counter.most_common():
            if needle and needle not in name:
                continue
            lines.append(f"{100 * n / total:6.1f}%  {name}")
            shown += 1
            if shown >= top:
                break
    return "\n".join(lines)


# Where the service's CPU goes, by layer: the first rule matching a stack's frames, from
# the innermost out, names its layer. Idle threads (aiosqlite's worker waiting for work,
# the event loop waiting in epoll) are left out.
LAYERS = (
    ("aiosqlite/core.py:_connection_worker_thread", None),
    ("aiohttp/", "outgoing HTTP client (aiohttp)"),
    ("observability/logging.py", "access log (format + redaction)"),
    ("logging/__init__.py", "access log (logging machinery)"),
    ("prometheus_client/", "metrics"),
    ("connectors/", "connector (build + parse)"),
    ("executor/", "executor"),
    ("core/", "core service (routing, ids, breakers)"),
    ("domain/", "core service (routing, ids, breakers)"),
    ("storage/", "storage"),
    ("server/", "REST handler (auth, validation, encoding)"),
    ("starlette/", "HTTP server (uvicorn + Starlette)"),
    ("uvicorn/", "HTTP server (uvicorn + Starlette)"),
    ("asyncio/", "event loop (asyncio on uvloop)"),
)


def layers(path: str) -> str:
    counts: Counter[str] = Counter()
    total = 0
    with open(path) as f:
        for raw in f:
            stack, _, count_s = raw.rstrip("\n").rpartition(" ")
            frames = [fr for fr in stack.split(";") if fr.strip()]
            if not frames:
                continue
            layer: str | None = "other (event loop, asyncio)"
            for frame in reversed(frames):
                func = frame.split(" (", 1)[0].strip()
                where = frame.rsplit("(", 1)[-1]
                hit = next(
                    (name for key, name in LAYERS
                     if (key in where if ":" not in key else
                         key.split(":")[0] in where and key.split(":")[1] == func)),
                    "",
                )  # fmt: skip
                if hit != "":
                    layer = hit
                    break
            if layer is None:
                continue
            counts[layer] += int(count_s)
            total += int(count_s)
    lines = [f"{total} busy samples, by layer:"]
    for name, n in counts.most_common():
        lines.append(f"{100 * n / total:6.1f}%  {name}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--filter", default=None, help="only functions whose name has this")
    parser.add_argument("--layers", action="store_true", help="shares by layer instead")
    args = parser.parse_args()
    if args.layers:
        print(layers(args.profile))
    else:
        print(summarise(args.profile, args.top, args.filter))


if __name__ == "__main__":
    main()
