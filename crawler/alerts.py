"""Alerts: when a source's health changes (ok to failing, idle or degraded, and back to ok), one message
goes to every Apprise URL of the sources file's [alerts] table, naming the source, the reason and the
last run. The health last reported is kept in the database, so a state that holds is not repeated (nor
after a restart); a message that could not be delivered is tried again after the source's next run. An
alert never breaks a crawl: whatever goes wrong is logged."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from storage.articles import ensure_source
from storage.models import Source
from storage.runs import health_kind, last_runs, source_health

logger = logging.getLogger(__name__)


def send(urls: list[str], title: str, body: str) -> bool:
    """Deliver one message to every URL; whether all took it."""
    import apprise  # 0.1 s to import: only when there is something to send

    notifier = apprise.Apprise()
    for url in urls:
        notifier.add(url)
    return bool(notifier.notify(title=title, body=body))


def health_message(source: str, health: str, last_run: dict[str, Any] | None) -> tuple[str, str]:
    kind = health_kind(health)
    title = f"newsdesk: {source} is ok again" if kind == "ok" else f"newsdesk: {source} is {kind}"
    body = f"{source}: {health}"
    if last_run is not None:
        body += (
            f"\nlast run {last_run['id']} ({last_run['trigger']}, started {last_run['started_at']}): "
            f"{last_run['status']}, {last_run['pages']} pages, {last_run['stored']} stored, "
            f"{last_run['errors']} errors" + (f"; {last_run['message']}" if last_run["message"] else "")
        )
    return title, body


def report_health(engine: Engine, source: str, urls: list[str]) -> str | None:
    """Send the source's health when it differs from what was last reported; the message's title when
    one was delivered, else None."""
    if not urls:
        return None
    try:
        with Session(engine) as session, session.begin():
            health = source_health(session, source)
            source_id = ensure_source(session, source)
            reported = session.scalars(select(Source.reported_health).where(Source.id == source_id)).one()
            last_run = last_runs(session).get(source)
        kind = health_kind(health)
        if kind == (reported or "ok"):
            return None
        title, body = health_message(source, health, last_run)
        # Sent outside any transaction: a slow mail server must not hold the database.
        if not send(urls, title, body):
            logger.warning(
                "alert for %s (%s) not delivered; it is tried again after the next run", source, kind
            )
            return None
        with Session(engine) as session, session.begin():
            session.execute(update(Source).where(Source.id == source_id).values(reported_health=kind))
        return title
    except Exception:  # an alert must never break a crawl or the schedule
        logger.exception("could not report the health of %s", source)
        return None
