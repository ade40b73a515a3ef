"""The ingestion ledger: one row per distinct document (identity = sha256 of its bytes).

SQLite by default (embedded, nothing to start), PostgreSQL by URL. Several workers,
on one machine or several, may share a ledger: a document is processed by whoever
wins its claim, an atomic conditional UPDATE, and a worker holds it under a lease it
renews (heartbeat). A row left ``running`` by a killed worker is claimable again once
its lease has expired, so nothing stays ``running`` forever.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable, Sequence

from sqlalchemy import (DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint,
                        create_engine, event, func, or_, select, update)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

PENDING, RUNNING, SUCCEEDED, NEEDS_REVIEW, FAILED = (
    "pending", "running", "succeeded", "needs_review", "failed")
STATUSES = (PENDING, RUNNING, SUCCEEDED, NEEDS_REVIEW, FAILED)
FINAL_STATUSES = (SUCCEEDED, NEEDS_REVIEW, FAILED)
DEFAULT_DB_URL = "sqlite:///.selfeval/ledger.db"
DEFAULT_LEASE_S = 600.0


def utcnow() -> datetime:
    # Naive UTC everywhere: SQLite has no time zones, and leases compare across hosts.
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    path: Mapped[str] = mapped_column(Text, nullable=False)  # where it was last seen
    display_name: Mapped[str] = mapped_column(Text, nullable=False)
    output_root: Mapped[str | None] = mapped_column(Text)  # where its output belongs
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error_stage: Mapped[str | None] = mapped_column(String(32), index=True)
    error_message: Mapped[str | None] = mapped_column(Text)
    output_uri: Mapped[str | None] = mapped_column(Text)
    output_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    duration_s: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class PathRow(Base):
    """Every path a document was seen under (the same bytes under two names is one document)."""
    __tablename__ = "document_paths"
    __table_args__ = (UniqueConstraint("document_id", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             nullable=False, index=True)
    path: Mapped[str] = mapped_column(Text, nullable=False)
    seen_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


@dataclass(frozen=True)
class DocumentView:
    """A detached snapshot of a ledger row."""
    id: int
    sha256: str
    path: str
    display_name: str
    output_root: str | None
    status: str
    attempts: int
    error_stage: str | None
    error_message: str | None
    output_uri: str | None
    output_version: int
    lease_owner: str | None
    lease_expires_at: datetime | None
    first_seen_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_s: float | None
    updated_at: datetime

    @classmethod
    def of(cls, row: DocumentRow) -> "DocumentView":
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})

    def to_json(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Registration:
    document: DocumentView
    is_new: bool


@dataclass(frozen=True)
class Outcome:
    """How one processing attempt ended."""
    status: str
    output_uri: str | None = None
    output_version: int | None = None
    error_stage: str | None = None
    error_message: str | None = None


def resolve_db_url(db: str | None = None) -> str:
    """--db beats $SELFEVAL_DB beats the default; a bare file path means SQLite."""
    url = db or os.environ.get("SELFEVAL_DB") or DEFAULT_DB_URL
    if "://" not in url:
        url = f"sqlite:///{Path(url).expanduser()}"
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.drivername == "postgresql":  # prefer psycopg 3, the driver we ship
        url = parsed.set(drivername="postgresql+psycopg")
    return create_engine(url, pool_pre_ping=True)


class Ledger:
    def __init__(self, url: str | None = None, *, lease_s: float = DEFAULT_LEASE_S):
        self.url = resolve_db_url(url)
        self.lease_s = lease_s
        self.engine = make_engine(self.url)
        self._create_tables()

    def _create_tables(self) -> None:
        # Two workers starting at once both try CREATE TABLE; PostgreSQL lets one of them
        # fail on its catalog's unique index. The tables exist then: check again.
        for attempt in range(3):
            try:
                Base.metadata.create_all(self.engine)
                return
            except DBAPIError:
                if attempt == 2:
                    raise
                time.sleep(0.2 * (attempt + 1))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # registration -----------------------------------------------------------------------

    def register(self, sha256: str, path: str, *, display_name: str | None = None,
                 output_root: str | None = None) -> Registration:
        """Record that ``path`` holds the document ``sha256``; new documents start ``pending``."""
        now = utcnow()
        name = display_name or path.rstrip("/").rsplit("/", 1)[-1]
        with Session(self.engine) as session, session.begin():
            inserted = session.execute(
                self._insert_ignore(DocumentRow).values(
                    sha256=sha256, path=path, display_name=name, output_root=output_root,
                    status=PENDING, attempts=0, output_version=0, first_seen_at=now,
                    updated_at=now).returning(DocumentRow.id)).first() is not None
            row = session.execute(select(DocumentRow).where(DocumentRow.sha256 == sha256)).scalar_one()
            if not inserted:
                row.path = path
                if output_root and not row.output_root:
                    row.output_root = output_root
            session.execute(self._insert_ignore(PathRow).values(
                document_id=row.id, path=path, seen_at=now))
            session.flush()
            return Registration(DocumentView.of(row), inserted)

    def _insert_ignore(self, table):
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table).on_conflict_do_nothing()

    # claims and leases --------------------------------------------------------------------

    def claim(self, doc_id: int, owner: str, *, from_statuses: Sequence[str] = (PENDING,)) -> bool:
        """Take the document for processing; True for exactly one of any number of racing workers.

        A ``running`` row is claimable only when its lease has expired (its worker died),
        or when ``owner`` already holds it (a retry of the same attempt).
        """
        now = utcnow()
        claimable = or_(
            DocumentRow.status.in_(list(from_statuses)),
            (DocumentRow.status == RUNNING) & (DocumentRow.lease_expires_at < now),
        )
        with self.engine.begin() as conn:
            result = conn.execute(
                update(DocumentRow)
                .where(DocumentRow.id == doc_id, claimable)
                .values(status=RUNNING, lease_owner=owner,
                        lease_expires_at=now + timedelta(seconds=self.lease_s),
                        attempts=DocumentRow.attempts + 1, started_at=now, finished_at=None,
                        updated_at=now))
            return result.rowcount == 1

    def heartbeat(self, doc_id: int, owner: str) -> bool:
        """Extend the lease; False means the lease was lost (another worker reclaimed it)."""
        now = utcnow()
        with self.engine.begin() as conn:
            result = conn.execute(
                update(DocumentRow)
                .where(DocumentRow.id == doc_id, DocumentRow.status == RUNNING,
                       DocumentRow.lease_owner == owner)
                .values(lease_expires_at=now + timedelta(seconds=self.lease_s), updated_at=now))
            return result.rowcount == 1

    def finish(self, doc_id: int, owner: str, outcome: Outcome) -> bool:
        """Record the end of an attempt; only the lease holder may (False when it lost the lease)."""
        if outcome.status not in FINAL_STATUSES:
            raise ValueError(f"not a final status: {outcome.status}")
        now = utcnow()
        values = dict(status=outcome.status, error_stage=outcome.error_stage,
                      error_message=outcome.error_message, lease_owner=None,
                      lease_expires_at=None, finished_at=now, updated_at=now,
                      duration_s=_seconds_since_start(self.engine, now))
        if outcome.output_uri is not None:
            values.update(output_uri=outcome.output_uri, output_version=outcome.output_version)
        with self.engine.begin() as conn:
            result = conn.execute(
                update(DocumentRow)
                .where(DocumentRow.id == doc_id, DocumentRow.status == RUNNING,
                       DocumentRow.lease_owner == owner)
                .values(**values))
            return result.rowcount == 1

    def release_stale(self) -> list[int]:
        """Put rows whose worker died (lease expired) back to ``pending``; returns their ids."""
        now = utcnow()
        with Session(self.engine) as session, session.begin():
            ids = list(session.execute(
                select(DocumentRow.id).where(DocumentRow.status == RUNNING,
                                             DocumentRow.lease_expires_at < now)).scalars())
            if ids:
                session.execute(
                    update(DocumentRow)
                    .where(DocumentRow.id.in_(ids), DocumentRow.status == RUNNING,
                           DocumentRow.lease_expires_at < now)
                    .values(status=PENDING, lease_owner=None, lease_expires_at=None,
                            error_stage="worker",
                            error_message="worker stopped before finishing (lease expired)",
                            updated_at=now))
            return ids

    # queries ----------------------------------------------------------------------------

    def get(self, doc_id: int) -> DocumentView | None:
        with Session(self.engine) as session:
            row = session.get(DocumentRow, doc_id)
            return DocumentView.of(row) if row else None

    def by_sha256(self, sha256: str) -> DocumentView | None:
        with Session(self.engine) as session:
            row = session.execute(select(DocumentRow).where(DocumentRow.sha256 == sha256)).scalar_one_or_none()
            return DocumentView.of(row) if row else None

    def paths(self, doc_id: int) -> list[str]:
        with Session(self.engine) as session:
            return list(session.execute(
                select(PathRow.path).where(PathRow.document_id == doc_id).order_by(PathRow.seen_at.desc(), PathRow.id.desc())
            ).scalars())

    def select(self, *, ids: Iterable[int | str] | None = None, statuses: Iterable[str] | None = None,
               stage: str | None = None) -> list[DocumentView]:
        """Rows matching every given criterion; an id is the integer id or a sha256 prefix (6+ hex)."""
        query = select(DocumentRow).order_by(DocumentRow.id)
        if ids is not None:
            query = query.where(_id_filter(list(ids)))
        if statuses:
            query = query.where(DocumentRow.status.in_(list(statuses)))
        if stage:
            query = query.where(DocumentRow.error_stage == stage)
        with Session(self.engine) as session:
            return [DocumentView.of(row) for row in session.execute(query).scalars()]

    def counts(self) -> dict[str, int]:
        with Session(self.engine) as session:
            rows = session.execute(select(DocumentRow.status, func.count()).group_by(DocumentRow.status))
            return {status: count for status, count in rows}


def _id_filter(ids: list[int | str]):
    clauses = []
    for ident in ids:
        text = str(ident).strip().lower()
        if text.isdigit():
            clauses.append(DocumentRow.id == int(text))
        elif len(text) >= 6 and all(c in "0123456789abcdef" for c in text):
            clauses.append(DocumentRow.sha256.startswith(text))
        else:
            raise ValueError(f"not a document id or sha256 prefix (6+ hex digits): {ident!r}")
    return or_(*clauses) if clauses else DocumentRow.id.is_(None)


def _seconds_since_start(engine: Engine, now: datetime):
    """Elapsed seconds from started_at to ``now`` as a SQL expression in the engine's dialect."""
    if engine.dialect.name == "postgresql":
        return func.extract("epoch", now - DocumentRow.started_at)
    return (func.julianday(now.isoformat(sep=" ")) - func.julianday(DocumentRow.started_at)) * 86400.0
