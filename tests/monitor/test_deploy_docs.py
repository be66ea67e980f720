"""The container recipe and the Kubernetes example stay consistent with ``watch`` (checked offline).

Building the image needs PyPI and applying the manifest needs a cluster, so neither runs here
(docs/monitor/README.md says so). What can be checked offline is: the manifest parses, its
probes and scrape point at what ``watch`` serves, and the arguments the image and the manifest
pass are options ``watch`` accepts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import typer
import yaml

from chatcontract.cli.app import app

DOCS = Path(__file__).resolve().parents[2] / "docs" / "monitor"


def _manifests() -> dict[str, dict[str, Any]]:
    docs = yaml.safe_load_all((DOCS / "kubernetes.yaml").read_text())
    return {d["kind"]: d for d in docs if d}


def _entrypoint() -> list[str]:
    text = (DOCS / "Dockerfile").read_text()
    found = re.search(r"^ENTRYPOINT (\[.*\])$", text, re.M)
    assert found is not None
    return list(json.loads(found.group(1)))


def test_the_manifest_scrapes_and_probes_what_watch_serves() -> None:
    kinds = _manifests()
    assert set(kinds) == {"Deployment", "Service", "ServiceMonitor"}
    container = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    port = next(p for p in container["ports"] if p["name"] == "metrics")["containerPort"]
    entry = _entrypoint()
    assert entry[entry.index("--metrics-port") + 1] == str(port)
    assert f"EXPOSE {port}" in (DOCS / "Dockerfile").read_text()
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert kinds["ServiceMonitor"]["spec"]["endpoints"][0]["path"] == "/metrics"
    assert kinds["Service"]["spec"]["ports"][0]["targetPort"] == "metrics"


def test_the_image_and_manifest_arguments_are_watch_options() -> None:
    entry = _entrypoint()
    assert entry[:2] == ["chatcontract", "watch"]
    args = _manifests()["Deployment"]["spec"]["template"]["spec"]["containers"][0]["args"]
    command = typer.main.get_command(app).commands["watch"]  # type: ignore[attr-defined]
    ctx = command.make_context("watch", [*entry[2:], *args])  # parses (and checks) without running
    assert ctx.params["metrics_host"] == "0.0.0.0"
    assert ctx.params["api_key_file"] == Path("/secrets/api-key")
