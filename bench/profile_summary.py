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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--filter", default=None, help="only functions whose name has this")
    args = parser.parse_args()
    print(summarise(args.profile, args.top, args.filter))


if __name__ == "__main__":
    main()
