"""``connector-service new-connector NAME``: lay down a new connector in the house style.

Why a generator: connector number 5 to 100 should start from the same layout, section
order and tests as the built-ins, on the kit and the shared conformance suite, instead of
from a copy of whichever module was nearest. The files come from templates shipped in this
package (``templates/*.tmpl``, rendered with :class:`string.Template`: no dependency) and
make a trivial but complete gateway — authorize, capture, void, refund, sync, refund sync
and signed webhooks against its own loopback fake — that passes the conformance suite,
ruff and ``mypy --strict`` unmodified, so an author starts green and edits towards the
real gateway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from string import Template

__all__ = ["NAME_PATTERN", "Scaffold", "ScaffoldError", "plan", "validate_name", "write"]

NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{1,31}")


class ScaffoldError(ValueError):
    """A name or target the generator refuses (the message says why)."""


def validate_name(name: str) -> None:
    """Refuse a name that is not ``[a-z][a-z0-9_]{1,31}`` or that a built-in connector has
    (the registry never lets a plug-in replace a built-in, so it could never be used)."""
    from connector_service.connectors.registry import load_connectors

    if not NAME_PATTERN.fullmatch(name):
        raise ScaffoldError(
            f"NAME {name!r} must match [a-z][a-z0-9_]{{1,31}}: a lower-case letter, then "
            "1 to 31 lower-case letters, digits or underscores"
        )
    if name.endswith("_") or "__" in name:
        raise ScaffoldError(f"NAME {name!r} must not end with '_' or contain '__'")
    builtin = load_connectors(include_entry_points=False)
    if name in builtin:
        raise ScaffoldError(f"NAME {name!r} is a built-in connector; choose another name")


@dataclass(frozen=True)
class Scaffold:
    """What will be written: target path -> rendered text."""

    name: str
    root: Path
    files: dict[Path, str]


# (template, path relative to the package directory) for the connector package itself.
_PACKAGE_FILES = (
    ("init.py", "__init__.py"),
    ("connector.py", "connector.py"),
    ("fake.py", "fake.py"),
    ("conformance.py", "conformance.py"),
    ("payment_authorized.json", "fixtures/payment_authorized.json"),
    ("payment_declined.json", "fixtures/payment_declined.json"),
    ("refund_succeeded.json", "fixtures/refund_succeeded.json"),
    ("error_not_capturable.json", "fixtures/error_not_capturable.json"),
    ("event_payment_captured.json", "fixtures/event_payment_captured.json"),
)


def _values(name: str) -> dict[str, str]:
    words = name.split("_")
    prefix = "".join(w.capitalize() for w in words)
    header = "-".join(w.capitalize() for w in words) + "-Signature"
    return {
        "name": name,
        "package": f"{name}_connector",
        "dist": f"connector-service-{name.replace('_', '-')}",
        "prefix": prefix,
        "cls": f"{prefix}Connector",
        "display": " ".join(w.capitalize() for w in words),
        "upper": name.upper(),
        "signature_header": header,
        "signature_header_lower": header.lower(),
    }


def _render(template: str, values: dict[str, str]) -> str:
    text = (files(__package__) / "templates" / f"{template}.tmpl").read_text(encoding="utf-8")
    return Template(text).substitute(values)


def plan(name: str, directory: Path, *, package: bool = False) -> Scaffold:
    """The files ``new-connector`` writes for ``name`` under ``directory``.

    Without ``package``: ``<dir>/<name>_connector/`` (module, fake, profile, fixtures)
    and ``<dir>/tests/test_<name>_connector.py``, to drop into an existing project.
    With ``package``: ``<dir>/plugin-<name>/``, an installable distribution with
    ``pyproject.toml`` (both entry points), a README, ``src/`` and ``tests/``."""
    validate_name(name)
    values = _values(name)
    root = directory / f"plugin-{name}" if package else directory
    src = root / "src" if package else root
    out: dict[Path, str] = {}
    for template, relative in _PACKAGE_FILES:
        out[src / values["package"] / relative] = _render(template, values)
    out[root / "tests" / f"test_{name}_connector.py"] = _render("test_connector.py", values)
    if package:
        out[root / "pyproject.toml"] = _render("pyproject.toml", values)
        out[root / "README.md"] = _render("README.md", values)
    return Scaffold(name, root, out)


def write(scaffold: Scaffold) -> list[Path]:
    """Write every file, or none: an existing file is never overwritten."""
    existing = sorted(str(p) for p in scaffold.files if p.exists())
    if existing:
        raise ScaffoldError("refusing to overwrite: " + ", ".join(existing))
    for path, text in scaffold.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(scaffold.files)
