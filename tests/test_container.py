"""The container files agree with the code: every AIRQ_ variable they set is a setting, the
image copies every package the project ships, its install step is the script CI runs
(.ci/run runs docker/install.sh outside Docker, as no Docker daemon runs here), and the
compose file's airq reaches its Chroma service."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _settings_vars() -> set[str]:
    return {f"AIRQ_{name.upper()}" for name in Settings.model_fields}


def test_the_dockerfile_installs_every_package_with_the_ci_script() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    copied = set(re.findall(r"^COPY (\w+) \1$", text, re.MULTILINE))
    assert {p.split(".")[0] for p in packages} <= copied, copied
    assert "bash docker/install.sh /src" in text and "torch" not in text.split("RUN", 1)[1].split("\n")[
        0
    ].replace("TORCH_INDEX_URL", "")
    env = set(re.findall(r"\b(AIRQ_\w+)=", text))
    assert env and env <= _settings_vars(), env - _settings_vars()
    assert (ROOT / "docker" / "install.sh").is_file()
    assert "docker/install.sh" in (ROOT / ".ci" / "run").read_text()


def test_compose_runs_airq_against_its_chroma_service_with_the_data_on_volumes() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    airq = services["airq"]
    env = airq["environment"]
    assert set(env) <= _settings_vars(), set(env) - _settings_vars()
    url = re.fullmatch(r"http://([\w-]+):(\d+)", env["AIRQ_CHROMA_URL"])
    assert url and url.group(1) in services and url.group(1) in airq["depends_on"]
    mounts = {dst: src for src, dst in (v.split(":")[:2] for v in airq["volumes"])}
    assert {env["AIRQ_DATA_DIR"], env["AIRQ_CORPUS_DIR"]} <= set(mounts), mounts
    assert all(src in compose["volumes"] or src.startswith("./") for src in mounts.values()), mounts
    assert any(p.endswith(":8000") for p in airq["ports"])
