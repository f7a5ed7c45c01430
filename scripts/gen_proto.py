"""Generate the gRPC Python code from proto/ and keep the compatibility baseline.

    python scripts/gen_proto.py                     # regenerate src/connector_service/grpc_gen
                                                    # and record proto/baseline.json
    python scripts/gen_proto.py --allow-breaking    # record a breaking change on purpose

(``make proto`` runs the first.) The tests import this module: ``tests/grpc/test_proto.py``
regenerates into a temporary directory and fails when the committed code drifted, and
checks the protos against ``proto/baseline.json`` the way ``buf breaking`` would: a field
number is never reused or retyped, nothing is deleted without reserving its number, no
RPC changes its types.

protoc names Python modules after the proto path (``connector_service/v1/x.proto`` →
``connector_service.v1.x_pb2``); the generated package lives at
``connector_service.grpc_gen.v1``, so the cross-file imports are rewritten to that. The
proto files keep their canonical paths, so any other language generates from them as is.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PROTO_ROOT = ROOT / "proto"
PROTO_DIR = PROTO_ROOT / "connector_service" / "v1"
OUT_DIR = ROOT / "src" / "connector_service" / "grpc_gen"
BASELINE = PROTO_ROOT / "baseline.json"

_IMPORT = re.compile(r"^from connector_service\.v1 import ", re.M)
# Lines naming the generator's version: they may differ between two installs of the
# generator without any difference in the generated API, so the drift test ignores them.
VERSION_LINES = re.compile(
    r"^(# Protobuf Python Version: .*|GRPC_GENERATED_VERSION = .*|\s+\d+,)$", re.M
)

INIT_DOC = '"""Generated gRPC code for the protos in proto/ (``make proto``; do not edit)."""\n'


def _protoc(args: list[str]) -> None:
    import grpc_tools  # dev dependency: grpcio-tools

    include = Path(grpc_tools.__file__).parent / "_proto"
    cmd = [sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTO_ROOT}", f"-I{include}", *args]
    subprocess.run(cmd, check=True)  # noqa: S603 - fixed command, our own files


def protos() -> list[Path]:
    return sorted(PROTO_DIR.glob("*.proto"))


def generate() -> dict[str, str]:
    """The generated files, by path relative to ``grpc_gen/``."""
    files = [str(p) for p in protos()]
    out: dict[str, str] = {
        "__init__.py": INIT_DOC,
        "v1/__init__.py": INIT_DOC,
    }
    with tempfile.TemporaryDirectory() as tmp:
        _protoc([f"--python_out={tmp}", f"--pyi_out={tmp}", f"--grpc_python_out={tmp}", *files])
        gen = Path(tmp) / "connector_service" / "v1"
        for path in sorted(gen.iterdir()):
            text = path.read_text()
            if path.name.endswith("_pb2_grpc.py") and "Servicer" not in text:
                continue  # a file without services: protoc still writes an empty module
            out[f"v1/{path.name}"] = _IMPORT.sub("from connector_service.grpc_gen.v1 import ", text)
    return out


def normalise(text: str) -> str:
    return VERSION_LINES.sub("", text)


def descriptor_set() -> Any:
    from google.protobuf import descriptor_pb2

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "set.binpb"
        _protoc([f"--descriptor_set_out={target}", *[str(p) for p in protos()]])
        fds = descriptor_pb2.FileDescriptorSet()
        fds.ParseFromString(target.read_bytes())
    return fds


# ------------------------------------------------------------------ compatibility summary


def _type_name(field: Any) -> str:
    from google.protobuf import descriptor_pb2

    if field.type_name:
        return str(field.type_name).lstrip(".")
    name = descriptor_pb2.FieldDescriptorProto.Type.Name(field.type)
    return name.removeprefix("TYPE_").lower()


def _label(field: Any) -> str:
    if field.label == 3:
        return "repeated"
    return "optional" if field.proto3_optional else "singular"


def _reserved(ranges: Any) -> list[int]:
    numbers: list[int] = []
    for r in ranges:
        numbers.extend(range(r.start, r.end))  # message ranges: end exclusive
    return numbers


def _message(msg: Any, prefix: str, out: dict[str, Any]) -> None:
    name = f"{prefix}.{msg.name}"
    fields: dict[str, Any] = {}
    for f in msg.field:
        oneof = None
        if f.HasField("oneof_index") and not f.proto3_optional:
            oneof = msg.oneof_decl[f.oneof_index].name
        fields[str(f.number)] = {
            "name": f.name,
            "type": _type_name(f),
            "label": _label(f),
            "oneof": oneof,
        }
    out[name] = {
        "fields": fields,
        "reserved_numbers": _reserved(msg.reserved_range),
        "reserved_names": sorted(msg.reserved_name),
    }
    for nested in msg.nested_type:
        _message(nested, name, out)


def summary(fds: Any | None = None) -> dict[str, Any]:
    """What a compatibility check needs of the protos, as plain JSON."""
    fds = fds if fds is not None else descriptor_set()
    messages: dict[str, Any] = {}
    enums: dict[str, Any] = {}
    services: dict[str, Any] = {}

    def enum(e: Any, prefix: str) -> None:
        reserved: list[int] = []
        for r in e.reserved_range:
            reserved.extend(range(r.start, r.end + 1))  # enum ranges: end inclusive
        enums[f"{prefix}.{e.name}"] = {
            "values": {str(v.number): v.name for v in e.value},
            "reserved_numbers": reserved,
            "reserved_names": sorted(e.reserved_name),
        }

    for file in fds.file:
        pkg = file.package
        for msg in file.message_type:
            _message(msg, pkg, messages)
            stack = [(msg, f"{pkg}.{msg.name}")]
            while stack:
                m, prefix = stack.pop()
                for e in m.enum_type:
                    enum(e, prefix)
                stack += [(n, f"{prefix}.{n.name}") for n in m.nested_type]
        for e in file.enum_type:
            enum(e, pkg)
        for svc in file.service:
            services[f"{pkg}.{svc.name}"] = {
                m.name: {
                    "input": m.input_type.lstrip("."),
                    "output": m.output_type.lstrip("."),
                    "client_streaming": m.client_streaming,
                    "server_streaming": m.server_streaming,
                }
                for m in svc.method
            }
    return {
        "messages": dict(sorted(messages.items())),
        "enums": dict(sorted(enums.items())),
        "services": dict(sorted(services.items())),
    }


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What in ``new`` breaks a client built against ``old`` (wire or JSON)."""
    problems: list[str] = []
    for name, om in old["messages"].items():
        nm = new["messages"].get(name)
        if nm is None:
            problems.append(f"message {name} was deleted")
            continue
        for number, of in om["fields"].items():
            nf = nm["fields"].get(number)
            where = f"{name} field {number} ({of['name']})"
            if nf is None:
                if int(number) not in nm["reserved_numbers"]:
                    problems.append(f"{where} was deleted without reserving its number")
                if of["name"] not in nm["reserved_names"]:
                    problems.append(f"{where} was deleted without reserving its name")
                continue
            for key in ("name", "type", "label", "oneof"):
                if nf[key] != of[key]:
                    problems.append(f"{where}: {key} changed from {of[key]!r} to {nf[key]!r}")
        for number in om["reserved_numbers"]:
            if str(number) in nm["fields"]:
                problems.append(f"{name} reuses the reserved field number {number}")
        for reserved_name in om["reserved_names"]:
            if any(f["name"] == reserved_name for f in nm["fields"].values()):
                problems.append(f"{name} reuses the reserved field name {reserved_name!r}")
    for name, oe in old["enums"].items():
        ne = new["enums"].get(name)
        if ne is None:
            problems.append(f"enum {name} was deleted")
            continue
        for number, value in oe["values"].items():
            current = ne["values"].get(number)
            if current is None and int(number) not in ne["reserved_numbers"]:
                problems.append(f"{name} value {number} ({value}) was deleted without reserving")
            elif current is not None and current != value:
                problems.append(f"{name} value {number} was renamed from {value} to {current}")
        for number in oe["reserved_numbers"]:
            if str(number) in ne["values"]:
                problems.append(f"{name} reuses the reserved value number {number}")
    for name, methods in old["services"].items():
        ns = new["services"].get(name)
        if ns is None:
            problems.append(f"service {name} was deleted")
            continue
        for method, od in methods.items():
            nd = ns.get(method)
            if nd is None:
                problems.append(f"{name}.{method} was deleted")
            elif nd != od:
                problems.append(f"{name}.{method} changed its signature: {od} → {nd}")
    return problems


def write_baseline(data: dict[str, Any]) -> None:
    BASELINE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--allow-breaking",
        action="store_true",
        help="record the baseline even though the protos break it",
    )
    args = parser.parse_args(argv)
    files = generate()
    for stale in OUT_DIR.rglob("*_pb2*"):
        if str(stale.relative_to(OUT_DIR)) not in files:
            stale.unlink()
    for rel, text in files.items():
        target = OUT_DIR / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    print(f"wrote {len(files)} files under {OUT_DIR.relative_to(ROOT)}")

    current = summary()
    if BASELINE.exists():
        problems = breaking_changes(json.loads(BASELINE.read_text()), current)
        if problems and not args.allow_breaking:
            print("breaking changes against proto/baseline.json (not recorded):")
            for p in problems:
                print(f"  - {p}")
            return 1
    write_baseline(current)
    print(f"recorded {BASELINE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
