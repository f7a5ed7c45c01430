"""The deployment files, verified as far as this machine can (no Docker, no cluster):
the Dockerfile's install and start steps replayed in a clean virtualenv, the Kubernetes
manifests against the Kubernetes JSON schemas (kubernetes-validate, strict), the alert
rules with promtool, and every metric the rules and the dashboard use exists."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) per instruction, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            rows.append((word.upper(), rest.strip()))
    return rows


def _metric_names() -> set[str]:
    """Every sample name the service can expose (counters with _total, histograms with
    _bucket/_sum/_count)."""
    from prometheus_client import REGISTRY

    import connector_service.observability.metrics
    import connector_service.webhooks.metrics  # noqa: F401 (registers the webhook metrics)

    names: set[str] = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}
        names.update(family.name + s for s in suffixes.get(family.type, []))
    return names


def _used_metrics(text: str) -> set[str]:
    return set(re.findall(r"\bcs_[a-z_]+\b", text))


def test_dockerfile_is_multi_stage_non_root_with_healthcheck() -> None:
    rows = _dockerfile()
    assert sum(1 for word, _ in rows if word == "FROM") >= 2
    users = [arg for word, arg in rows if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any(word == "HEALTHCHECK" and "/health" in arg for word, arg in rows)
    runs = " ".join(arg for word, arg in rows if word == "RUN")
    assert "--require-hashes" in runs and "deploy/install.sh" in runs
    assert not any("SECRET" in arg or "CS_ID_KEY=" in arg for word, arg in rows if word == "ENV")


def test_dockerfile_install_and_start_replayed_in_a_clean_venv(tmp_path: Path) -> None:
    rows = _dockerfile()
    venv = tmp_path / "opt"
    subprocess.run(
        ["sh", str(DEPLOY / "install.sh"), str(ROOT), str(venv)], check=True, timeout=900
    )
    env_line = next(arg for word, arg in rows if word == "ENV")
    image_env = dict(re.findall(r"(\w+)=(\S+)", env_line))
    cmd = json.loads(next(arg for word, arg in rows if word == "CMD"))
    health = json.loads(next(arg for word, arg in rows if word == "HEALTHCHECK").split("CMD", 1)[1])
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CS_", "PROMETHEUS"))}
    env.update(image_env)
    env.update({
        "PATH": f"{venv / 'bin'}:{env['PATH']}",
        "CS_CONFIG": str(DEPLOY / "config.toml"),  # the file the image copies
        "CS_HOST": "127.0.0.1",  # tests stay on loopback (the image listens on 0.0.0.0)
        "CS_PORT": str(port),
        "CS_GRPC_PORT": str(free_port()),
        "CS_ID_KEY": "a-test-id-key-from-the-environment",
        "CS_STORAGE_URL": f"sqlite:///{tmp_path / 'cs.db'}",
        "CS_WORKERS": "1",
    })  # fmt: skip
    assert shutil.which(cmd[0], path=str(venv / "bin")) is not None
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        probe = [str(venv / "bin" / "python"), *health[1:]]
        probe[-1] = probe[-1].replace("127.0.0.1:8080", f"127.0.0.1:{port}")
        for _ in range(100):
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            if subprocess.run(probe, env=env, capture_output=True, check=False).returncode == 0:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the HEALTHCHECK never passed:\n" + (tmp_path / "serve.log").read_text())
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _manifests() -> list[tuple[str, dict[str, object]]]:
    docs = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        docs += [(path.name, d) for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def test_kubernetes_manifests_validate_against_the_schemas() -> None:
    import kubernetes_validate

    kinds = set()
    for _, doc in _manifests():
        kubernetes_validate.validate(doc, "1.30.0", strict=True)  # raises on any error
        kinds.add(doc["kind"])
    assert kinds >= {"Deployment", "Service", "PodDisruptionBudget", "ConfigMap", "Secret"}


def test_kubernetes_schema_validation_catches_a_mistake() -> None:
    import kubernetes_validate

    deployment = next(doc for _, doc in _manifests() if doc["kind"] == "Deployment")
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, "1.30.0", strict=True)


def test_deployment_probes_and_config() -> None:
    deployment = next(doc for _, doc in _manifests() if doc["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]  # type: ignore[index]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    config = next(doc for _, doc in _manifests() if doc["kind"] == "ConfigMap")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CS_")}
    env["CS_ID_KEY"] = "k8s-id-key"
    for path in [DEPLOY / "config.toml"]:
        out = subprocess.run(
            [sys.executable, "-m", "connector_service.cli.main", "config", "check", str(path)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert out.returncode == 0, out.stdout
    assert "config.toml" in config["data"]  # type: ignore[operator]


def test_alert_rules_pass_promtool() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("CS_REQUIRE_PROMTOOL"):
            pytest.fail("CS_REQUIRE_PROMTOOL is set but promtool is missing")
        pytest.skip("promtool is not installed (apt-get install prometheus)")
    out = subprocess.run(
        [promtool, "check", "rules", str(DEPLOY / "prometheus" / "alerts.yaml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SUCCESS: 6 rules found" in out.stdout


def test_rules_and_dashboard_use_only_real_metrics() -> None:
    known = _metric_names()
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yaml").read_text())
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    dashboard = json.loads((DEPLOY / "grafana" / "dashboard.json").read_text())
    exprs += [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = set().union(*(_used_metrics(e) for e in exprs))
    assert used <= known, used - known
    for needed in ("cs_circuit_breaker_state", "cs_webhook_backlog",
                   "cs_webhook_oldest_pending_seconds", "cs_unresolved_payments"):  # fmt: skip
        assert needed in used


def test_compose_has_postgres_two_instances_and_a_proxy() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert "postgres" in services
    apps = [name for name, s in services.items() if "build" in s]
    assert len(apps) == 2
    proxy = services["proxy"]
    assert any("nginx.conf" in v for v in proxy["volumes"])
    conf = (DEPLOY / "nginx.conf").read_text()
    assert all(f"server {app}:8080" in conf for app in apps)
