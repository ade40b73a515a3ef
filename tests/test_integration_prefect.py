"""A real Prefect server on loopback: deploy from prefect.yaml, run a process worker, trigger both deployments."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipeline.ledger import Ledger
from tests.flow_support import BAD, ROOT, born_digital_inbox, copy_into, json_outputs

pytestmark = pytest.mark.integration
PREFECT = str(Path(sys.executable).with_name("prefect"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(api_url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"prefect server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail("prefect server did not become healthy")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture
def prefect_server(tmp_path):
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = os.environ | {"PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_API_URL": api_url,
                        "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false",
                        "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port)}
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port),
                               "--no-ui"], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        _wait_healthy(api_url, server)
        yield env
    finally:
        _stop(server)
        log.close()


def _prefect(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    done = subprocess.run([PREFECT, "--no-prompt", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def test_deployments_from_prefect_yaml_run_on_a_process_worker(tmp_path, prefect_server):
    inbox, out, db = tmp_path / "inbox", tmp_path / "out", f"sqlite:///{tmp_path / 'ledger.db'}"
    born_digital_inbox(inbox, 2)
    copy_into(inbox, BAD[:1])
    env = prefect_server | {"SELFEVAL_INBOX": str(inbox), "SELFEVAL_OUTPUT": str(out),
                            "SELFEVAL_DB": db, "SELFEVAL_PROJECT_DIR": str(ROOT)}
    _prefect(env, "work-pool", "create", "selfeval-process", "--type", "process")
    _prefect(env, "deploy", "--all")
    listed = _prefect(env, "deployment", "ls").stdout
    assert "ingest-archive" in listed and "rerun-failed" in listed
    schedule = _prefect(env, "deployment", "inspect", "ingest/ingest-archive").stdout
    assert "0 2 * * *" in schedule

    worker_log = open(tmp_path / "worker.log", "w")
    worker = subprocess.Popen([PREFECT, "worker", "start", "--pool", "selfeval-process", "--limit", "1"],
                              env=env, cwd=ROOT, stdout=worker_log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        ran = _prefect(env, "deployment", "run", "ingest/ingest-archive", "--watch",
                       "--watch-timeout", "150", timeout=170)
        assert "Completed" in ran.stdout, ran.stdout
        with Ledger(db) as ledger:
            rows = {r.display_name: r for r in ledger.select()}
        assert len(rows) == 3
        bad = rows[BAD[0].name]
        assert bad.status == "failed" and bad.attempts == 1
        assert len(json_outputs(out)) == 3

        ran = _prefect(env, "deployment", "run", "rerun/rerun-failed", "--watch",
                       "--watch-timeout", "150", timeout=170)
        assert "Completed" in ran.stdout, ran.stdout
    finally:
        _stop(worker)
        worker_log.close()
    with Ledger(db) as ledger:
        rows = {r.display_name: r for r in ledger.select()}
    assert rows[BAD[0].name].attempts == 2 and rows[BAD[0].name].output_version == 2
    assert all(r.attempts == 1 for name, r in rows.items() if name != BAD[0].name)
    kept = list((out / "versions").glob("*.v1.json"))
    assert len(kept) == 1
    assert json.loads(kept[0].read_text(encoding="utf-8"))["status"] == "failed"
