"""Storage on SQLite, and on PostgreSQL when NEWSDESK_TEST_POSTGRES is set."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from storage import locks, runs
from storage.articles import NewArticle, find_by_url, find_near_duplicate, insert_article, update_article
from storage.db import DatabaseError, connect, unavailable
from storage.fingerprints import content_hash, minhash
from storage.models import Article, ArticleVersion, Headline, RunStatus, Trigger
from storage.queries import ArticleFilter, list_articles
from storage.records import get_article, parse_when
from storage.runs import list_runs, source_health
from storage.validators import load_validators, save_validators

BODY = (
    "The council approved the new cycle lanes on Tuesday after a long debate.\n\n"
    "Work starts in spring and should finish before the summer holidays."
)


def article(
    url: str,
    body: str = BODY,
    title: str = "Cycle lanes approved",
    source: str = "city",
    published: datetime | None = datetime(2026, 11, 20, 9, 0),
) -> NewArticle:
    return NewArticle(
        source=source,
        url=url,
        title=title,
        authors=["A. Writer"],
        published_at=published,
        language="en",
        body=body,
        content_hash=content_hash(title, body),
        minhash=minhash(body),
        headlines=[("Other story one", "https://x.example/1"), ("Other story two", None)],
    )


def test_schema_is_created_and_an_article_round_trips(db_url: str) -> None:
    engine = connect(db_url)
    with Session(engine) as s, s.begin():
        article_id = insert_article(s, article("https://city.example/a"))
    assert article_id is not None
    with Session(engine) as s:
        record = get_article(s, article_id)
        assert record is not None
        assert record["title"] == "Cycle lanes approved"
        assert record["published"] == "2026-11-20T09:00:00Z"
        assert record["fetched_at"].endswith("Z")
        assert record["headlines"] == ["Other story one", "Other story two"]
        assert record["headline_links"][0]["url"] == "https://x.example/1"
        assert get_article(s, "https://city.example/a?utm_source=x#top") is not None
    engine.dispose()
    # Connecting again finds the schema current (no second migration).
    connect(db_url).dispose()


def test_the_same_url_is_stored_once(db_url: str) -> None:
    engine = connect(db_url)
    with Session(engine) as s, s.begin():
        assert insert_article(s, article("https://city.example/a")) is not None
    with Session(engine) as s, s.begin():
        assert insert_article(s, article("https://city.example/a", body=BODY + " More.")) is None
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Article)) == 1
    engine.dispose()


def test_a_changed_article_gets_a_new_version_and_keeps_the_old_text(db_url: str) -> None:
    engine = connect(db_url)
    with Session(engine) as s, s.begin():
        insert_article(s, article("https://city.example/a"))
    changed = article("https://city.example/a", body=BODY + "\n\nUpdate: the vote was unanimous.")
    changed.headlines = [("Only one now", None)]
    with Session(engine) as s, s.begin():
        stored = find_by_url(s, "https://city.example/a")
        assert stored is not None
        assert update_article(s, stored, changed) == 2
    with Session(engine) as s:
        record = get_article(s, "https://city.example/a")
        assert record is not None
        assert record["version"] == 2 and "unanimous" in record["body"]
        assert record["headlines"] == ["Only one now"]
        assert [v["version"] for v in record["versions"]] == [1]
        assert "unanimous" not in record["versions"][0]["body"]
        assert s.scalar(select(func.count()).select_from(ArticleVersion)) == 1
        assert s.scalar(select(func.count()).select_from(Headline)) == 1
    engine.dispose()


def test_near_duplicates_are_found_through_the_bands(db_url: str) -> None:
    engine = connect(db_url)
    long_body = (
        BODY
        + "\n\n"
        + (
            "Shops on the high street worried about deliveries, and the council promised loading bays at "
            "both ends of the route. Cyclists' groups welcomed the plan but asked for wider junctions."
        )
    )
    other = (
        "Harvest festival draws record crowds to the old market square despite the rain, with stalls "
        "selling apples, cheese and cider from farms across the valley until late in the evening."
    )
    with Session(engine) as s, s.begin():
        first = insert_article(s, article("https://city.example/a", body=long_body))
        unrelated = insert_article(s, article("https://city.example/b", body=other, title="Festival"))
    # A syndicated copy: the same words, re-cased and re-punctuated, its last sentence cut.
    copy = long_body.upper().replace("\n\n", " ").replace(".", " .").rsplit("CYCLISTS", 1)[0]
    elsewhere = "Ferry timetable changes from Monday: the first boat leaves at six, the last at ten, daily."
    with Session(engine) as s:
        assert find_near_duplicate(s, minhash(copy)) == first
        assert find_near_duplicate(s, minhash(other + " Photos by the newsroom.")) == unrelated
        assert find_near_duplicate(s, minhash(elsewhere)) is None
    engine.dispose()


def test_query_filters_sort_and_search(db_url: str) -> None:
    engine = connect(db_url)
    with Session(engine) as s, s.begin():
        insert_article(s, article("https://city.example/old", published=datetime(2026, 1, 5)))
        insert_article(
            s,
            article(
                "https://city.example/new",
                body="Snow closed the mountain pass overnight.",
                title="Pass closed",
                published=datetime(2026, 11, 1),
            ),
        )
        insert_article(
            s,
            article(
                "https://other.example/x",
                body="Harvest festival draws record crowds.",
                title="Festival",
                source="county",
                published=None,
            ),
        )
    with Session(engine) as s:
        urls = [r["url"] for r in list_articles(s, ArticleFilter())]
        # Unknown publication date sorts by fetch time (now): first.
        assert urls == ["https://other.example/x", "https://city.example/new", "https://city.example/old"]
        assert [r["url"] for r in list_articles(s, ArticleFilter(source="county"))] == [
            "https://other.example/x"
        ]
        since = list_articles(s, ArticleFilter(since=datetime(2026, 10, 1), until=datetime(2026, 11, 2)))
        assert [r["url"] for r in since] == ["https://city.example/new"]
        found = list_articles(s, ArticleFilter(search="mountain pass"))
        assert [r["url"] for r in found] == ["https://city.example/new"]
        assert list_articles(s, ArticleFilter(search='"; DROP TABLE articles; --')) == []
        assert len(list_articles(s, ArticleFilter(limit=1, offset=1))) == 1
    engine.dispose()


def test_runs_record_and_dead_runs_become_interrupted(db_url: str) -> None:
    engine = connect(db_url)
    with Session(engine) as s, s.begin():
        alive = runs.start_run(s, "city", Trigger.MANUAL, "host-a", 111)
        dead = runs.start_run(s, "city", Trigger.SCHEDULE, "host-a", 222)
        elsewhere = runs.start_run(s, "city", Trigger.SCHEDULE, "host-b", 222)
        runs.set_counters(s, alive, {"pages": 5, "stored": 3})
    with Session(engine) as s, s.begin():
        assert runs.interrupt_dead_runs(s, "host-a", alive=lambda pid: pid == 111) == 1
        runs.finish_run(s, alive, RunStatus.OK, "finished")
    with Session(engine) as s:
        by_id = {r["id"]: r for r in list_runs(s)}
        assert by_id[alive]["status"] == "ok" and by_id[alive]["pages"] == 5 and by_id[alive]["stored"] == 3
        assert by_id[dead]["status"] == "interrupted" and by_id[dead]["finished_at"].endswith("Z")
        assert by_id[elsewhere]["status"] == "running"
    engine.dispose()


def test_locks_exclude_and_stale_ones_are_taken_over(db_url: str) -> None:
    engine = connect(db_url)
    with Session(engine) as s, s.begin():
        assert locks.acquire(s, "daemon", "a", "h", 1, stale_after=60)
    with Session(engine) as s, s.begin():
        assert not locks.acquire(s, "daemon", "b", "h", 2, stale_after=60)
        assert locks.acquire(s, "daemon", "a", "h", 1, stale_after=60)  # re-entrant for its owner
    with Session(engine) as s, s.begin():
        held = locks.holder(s, "daemon")
        assert held is not None
        held.heartbeat_at -= timedelta(seconds=120)
    with Session(engine) as s, s.begin():
        assert locks.acquire(s, "daemon", "b", "h", 2, stale_after=60)
        assert not locks.heartbeat(s, "daemon", "a")
        locks.release(s, "daemon", "b")
    with Session(engine) as s:
        assert locks.holder(s, "daemon") is None
    engine.dispose()


def test_bad_database_urls_are_clear_errors(tmp_path: object) -> None:
    with pytest.raises(DatabaseError, match="not a database URL"):
        connect("nonsense")
    with pytest.raises(DatabaseError, match="does not exist"):
        connect("sqlite:////no/such/folder/x.db")
    with pytest.raises(DatabaseError, match="cannot use database"):
        connect("postgresql+psycopg://nobody@127.0.0.1:1/none")


def test_a_lease_of_a_dead_process_on_this_host_is_taken_over_at_once(db_url: str) -> None:
    engine = connect(db_url)
    with Session(engine) as s, s.begin():
        assert locks.acquire(s, "daemon", "old", "host-a", 111, stale_after=3600)
    with Session(engine) as s, s.begin():
        # Alive on this host, or on another host however dead: held.
        assert not locks.acquire(s, "daemon", "new", "host-a", 222, stale_after=3600, alive=lambda pid: True)
        assert not locks.acquire(s, "daemon", "new", "host-b", 222, stale_after=3600, alive=lambda pid: False)
        assert locks.acquire(
            s, "daemon", "new", "host-a", 222, stale_after=3600, alive=lambda pid: pid != 111
        )
        held = locks.holder(s, "daemon")
        assert held is not None and held.owner == "new"
    engine.dispose()


def test_source_health_flags_failing_and_idle_sources(db_url: str) -> None:
    engine = connect(db_url)
    with Session(engine) as s, s.begin():
        for status, stored in [(RunStatus.OK, 4)] + [(RunStatus.FAILED, 0)] * 3:
            run_id = runs.start_run(s, "broken", Trigger.SCHEDULE, "h", 1)
            runs.set_counters(s, run_id, {"stored": stored})
            runs.finish_run(
                s, run_id, status, "DNS lookup failed" if status is RunStatus.FAILED else "finished"
            )
        for _ in range(10):
            runs.finish_run(s, runs.start_run(s, "quiet", Trigger.SCHEDULE, "h", 1), RunStatus.OK, "finished")
        runs.finish_run(s, runs.start_run(s, "fine", Trigger.SCHEDULE, "h", 1), RunStatus.FAILED, "timeout")
        runs.finish_run(s, runs.start_run(s, "fine", Trigger.SCHEDULE, "h", 1), RunStatus.OK, "finished")
    with Session(engine) as s:
        assert source_health(s, "broken").startswith("failing: last 3 runs failed (DNS lookup failed)")
        assert source_health(s, "quiet") == "idle: last 10 runs stored nothing new"
        assert source_health(s, "fine") == "ok"
        assert source_health(s, "never-ran") == "ok"
    engine.dispose()


def test_filter_dates_are_read_as_utc_and_a_bare_until_date_takes_the_whole_day() -> None:
    # (What `newsdesk query --since/--until` and the web page's since/until both read.)
    assert parse_when("2026-11-24") == datetime(2026, 11, 24)
    assert parse_when("2026-11-24", end_of_day=True) == datetime(2026, 11, 24, 23, 59, 59, 999999)
    assert parse_when("2026-11-24T17:05:00+02:00") == datetime(2026, 11, 24, 15, 5)
    assert parse_when("2026-11-24T17:05:00Z") == datetime(2026, 11, 24, 17, 5)
    assert parse_when("") is None
    with pytest.raises(ValueError, match="not an ISO date"):
        parse_when("yesterday")


def test_a_statement_the_database_refuses_is_not_taken_for_an_outage(
    postgres_url: str, tmp_path: Path
) -> None:
    """What the database refuses for what it holds fails alone, every time, and is not kept in the spool
    to fail again; what it cannot take now (down, unreachable, locked) is."""
    engine = connect(postgres_url)
    words = " ".join(f"w{i}" for i in range(200_000))  # a search vector over PostgreSQL's 1 MiB limit
    try:
        with pytest.raises(OperationalError) as refused, engine.connect() as conn:
            conn.execute(text("SELECT to_tsvector('simple', :t)"), {"t": words})
    finally:
        engine.dispose()
    assert not unavailable(refused.value)
    down = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    with pytest.raises(OperationalError) as unreachable:
        down.connect()
    assert unavailable(unreachable.value)
    holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        waiter = create_engine(f"sqlite:///{tmp_path / 'locked.db'}", connect_args={"timeout": 0})
        with pytest.raises(OperationalError) as locked, waiter.connect() as conn:
            conn.execute(text("CREATE TABLE t (x)"))
        waiter.dispose()
    finally:
        holder.close()
    assert unavailable(locked.value)


def test_feed_validators_too_long_to_store_are_not_kept(db_url: str) -> None:
    """A server's ETag or Last-Modified longer than its column (or a feed URL over 2,048 characters) is not
    sent back next time, instead of failing the save of every feed's validators on PostgreSQL."""
    engine = connect(db_url)
    feed, long_feed = "https://city.example/feed.xml", "https://city.example/feed.xml?" + "x" * 3000
    with Session(engine) as s, s.begin():
        save_validators(
            s, {feed: ("W/" + "e" * 2000, "Tue, 01 Dec 2026 10:00:00 GMT"), long_feed: ("e1", None)}
        )
    with Session(engine) as s:
        assert load_validators(s, feed) == (None, "Tue, 01 Dec 2026 10:00:00 GMT")
        assert load_validators(s, long_feed) == (None, None)
