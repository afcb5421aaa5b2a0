"""Named leases in the database: one daemon per database, one crawl per source.

A lease is held while its heartbeat is fresh; one whose heartbeat is older than `stale_after` seconds
(its holder was killed) may be taken over. Taking over is a conditional UPDATE, so two contenders never
both win.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.db import dialect_insert, utcnow
from storage.models import Lock
from storage.runs import process_alive


def acquire(
    session: Session,
    name: str,
    owner: str,
    host: str,
    pid: int,
    stale_after: float,
    alive: Callable[[int], bool] = process_alive,
) -> bool:
    """Take the lease `name` for `owner`; False when someone else holds it and is alive. A holder on this
    host whose process is gone (killed -9) is taken over at once; one elsewhere once its heartbeat is
    older than `stale_after` seconds."""
    now = utcnow()
    inserted = session.execute(
        dialect_insert(session, Lock)
        .values(name=name, owner=owner, host=host, pid=pid, acquired_at=now, heartbeat_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    if inserted.rowcount == 1:  # type: ignore[attr-defined]  # CursorResult of an INSERT
        return True
    takeable = (Lock.owner == owner) | (Lock.heartbeat_at < now - timedelta(seconds=stale_after))
    current = session.execute(select(Lock.owner, Lock.host, Lock.pid).where(Lock.name == name)).first()
    if current is not None and current.host == host and current.owner != owner and not alive(current.pid):
        # Compare-and-swap on the dead owner: of two contenders, only one update matches.
        takeable = takeable | (Lock.owner == current.owner)
    result = session.execute(
        update(Lock)
        .where(Lock.name == name, takeable)
        .values(owner=owner, host=host, pid=pid, acquired_at=now, heartbeat_at=now)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]  # CursorResult of an UPDATE


def heartbeat(session: Session, name: str, owner: str) -> bool:
    """Refresh the lease; False when it was lost (taken over)."""
    result = session.execute(
        update(Lock).where(Lock.name == name, Lock.owner == owner).values(heartbeat_at=utcnow())
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def release(session: Session, name: str, owner: str) -> None:
    session.execute(delete(Lock).where(Lock.name == name, Lock.owner == owner))


def holder(session: Session, name: str) -> Lock | None:
    return session.scalars(select(Lock).where(Lock.name == name)).first()
