"""Throwaway PostgreSQL databases for the test suite and the benchmarks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url

from storage.db import normalise_url


@contextmanager
def scratch_postgres(base: str, prefix: str = "newsdesk_scratch") -> Iterator[str]:
    """A new PostgreSQL database on `base`'s server, dropped afterwards; yields its URL.
    sqlalchemy.exc.OperationalError when the server cannot be reached."""
    base = normalise_url(base)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(base).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
