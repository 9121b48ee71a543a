"""docker-compose.yml is valid and wires Elasticsearch 9 to the app."""
import json
import re
import shutil
import subprocess

import yaml

from tests.conftest import ROOT, unavailable


def compose_command():
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_compose_file_is_valid_and_complete():
    cmd = compose_command()
    if cmd is None:
        unavailable("no docker compose client (install docker-compose; no engine is needed)")
    out = subprocess.run(cmd + ["-f", str(ROOT / "docker-compose.yml"), "config"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    config = yaml.safe_load(out.stdout)
    es, app = config["services"]["elasticsearch"], config["services"]["app"]
    assert es["image"].split(":")[-1].startswith("9."), "server major matches the 9.x client"
    assert es["environment"]["discovery.type"] == "single-node"
    assert "healthcheck" in es and "healthcheck" in app
    assert any("/usr/share/elasticsearch/data" in str(v) for v in es["volumes"])
    assert app["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
    assert app["environment"]["NEWSARCHIVE_STORE"].startswith("http://elasticsearch:9200")
    assert "build" in app and (ROOT / "Dockerfile").exists()


def test_the_image_serves_with_newsarchive_serve_on_the_published_port():
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    assert cmd[:2] == ["newsarchive", "serve"]
    port = cmd[cmd.index("--port") + 1]
    assert f"EXPOSE {port}" in dockerfile
    app = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["app"]
    assert [p.rsplit(":", 1)[1] for p in app["ports"]] == [port]
    assert all(p.startswith("127.0.0.1:") for p in app["ports"]), "published on loopback only"
    assert f":{port}/" in " ".join(app["healthcheck"]["test"])
