"""Shared pytest fixtures."""
from __future__ import annotations

# ---- orchestration fixtures (issue 4: ledger databases, Prefect) — owned by the orchestration helper ----
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get("SELFEVAL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _pg_connect(url: str = PG_ADMIN_URL):
    import psycopg

    from sqlalchemy.engine import make_url
    parsed = make_url(url)
    return psycopg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                           password=parsed.password, dbname=parsed.database, autocommit=True,
                           connect_timeout=3)


def _start_local_postgres() -> None:
    """Debian's packaged cluster, on loopback; best effort."""
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if versions and shutil.which("pg_ctlcluster"):
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
                       capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """A reachable PostgreSQL server (started if needed), or the test is skipped with the reason."""
    try:
        _pg_connect().close()
        return PG_ADMIN_URL
    except Exception:
        _start_local_postgres()
    try:
        _pg_connect().close()
    except Exception as err:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} and could not be started: {err}")
    return PG_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_admin_url: str):
    """A fresh database for one test, dropped afterwards."""
    from sqlalchemy.engine import make_url

    name = f"selfeval_test_{uuid.uuid4().hex[:12]}"
    with _pg_connect(postgres_admin_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with _pg_connect(postgres_admin_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request) -> str:
    """The ledger URL, once per backend."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """One temporary Prefect API (ephemeral server on its own SQLite) for the whole session."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
# ---- end of orchestration fixtures ----


# ---- scans and their seal-free twins ----

@pytest.fixture(scope="session")
def sealed_twins(tmp_path_factory) -> tuple[Path, Path]:
    """One typical scan with a seal on a grey page, and its seal-free twin (``fixtures.scan``)."""
    import json

    from fixtures import documents, scan
    from fixtures.truth import forms_by_key, load_truth_forms
    truth = forms_by_key(load_truth_forms())
    spec = documents.DocSpec("sealed", (documents.Item("form", ("000-00",)),), orientation="landscape")
    doc = documents.render_doc(spec, truth, 0)
    for seed in range(20):      # find a seed that stamps a grey page
        out = tmp_path_factory.mktemp(f"sealed{seed}")
        sealed = scan.scan_doc(doc, "typical", out / "with", seed=seed)
        sidecar = json.loads(sealed.with_suffix(".scan.json").read_text(encoding="utf-8"))
        if any(p["seals"] and p["grey"] for p in sidecar["pages"]):
            return sealed, scan.scan_doc(doc, "typical", out / "without", seed=seed, seal_ink=False)
    raise AssertionError("no seal stamped in 20 seeds")
