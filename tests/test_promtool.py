"""Prometheus's own checker reads the scrape config and the alert rules compose mounts.

promtool comes from Debian's `prometheus` package (.ci/run installs it). Without it a run on a
developer's machine skips the test with the reason; CI (`CI` set) fails instead.
"""

import shutil
import subprocess

import pytest
import yaml

from config.env import BASE_DIR
from tests.helpers import tool_missing

PROMETHEUS = BASE_DIR / "docker" / "prometheus"


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if path:
        return path
    tool_missing("promtool is missing: install Debian's prometheus package (`apt-get install prometheus`)")


def check(promtool: str, *args: str) -> None:
    result = subprocess.run([promtool, "check", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_accepts_the_scrape_config_and_the_alert_rules(promtool, tmp_path):
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    for rule_file in config["rule_files"]:
        check(promtool, "rules", str(PROMETHEUS / rule_file))
        shutil.copy(PROMETHEUS / rule_file, tmp_path / rule_file)

    # The full config check opens every file the config names. The token file exists only in
    # the container (compose writes it), so a copy of the config points at a stand-in.
    for scrape in config["scrape_configs"]:
        if "credentials_file" in scrape.get("authorization", {}):
            token = tmp_path / "metrics-token"
            token.write_text("token")
            scrape["authorization"]["credentials_file"] = str(token)
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    check(promtool, "config", str(tmp_path / "prometheus.yml"))
