"""Schema upgrades keep what a database already holds: a store made by an earlier schema is upgraded in
place, on both backends, and works as one made by the newest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from storage.articles import find_near_duplicate, is_seen
from storage.db import connect, make_engine, upgrade
from storage.fingerprints import minhash
from storage.models import ArticleBand, Headline
from storage.queries import ArticleFilter, list_articles

ROOT = Path(__file__).resolve().parent.parent
BODY = (
    "The harbour board voted on Monday to rebuild the north pier before the winter storms arrive. "
    "Fishing crews had asked for the work for years, and the board said contractors would start at "
    "once. The pier has been closed to vehicles since a survey found cracks in its supports."
)


def test_a_store_from_the_first_schema_is_upgraded_with_its_articles(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine, "0001")
    row = {
        "title": "Pier to be rebuilt",
        "authors": "[]",
        "body": BODY,
        "hash": "h",
        "simhash": 0,
        "b": 0,
        "at": "2026-11-20 09:00:00",
    }
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sources (id, name, created_at) VALUES (1, 'port', :at)"), row)
        for article_id, url, duplicate_of in (
            (1, "https://port.example/pier", None),
            (2, "https://copy.example/pier", 1),
        ):
            conn.execute(
                text(
                    "INSERT INTO articles (id, source_id, url, title, authors, body, content_hash, simhash, "
                    "sim_band0, sim_band1, sim_band2, sim_band3, duplicate_of, first_seen_at, fetched_at, "
                    "sort_at, version) VALUES (:id, 1, :url, :title, :authors, :body, :hash, :simhash, "
                    ":b, :b, :b, :b, :dup, :at, :at, :at, 1)"
                ),
                {**row, "id": article_id, "url": url, "dup": duplicate_of},
            )
        conn.execute(
            text("INSERT INTO headlines (article_id, position, text, url) VALUES (1, 0, 'Other story', NULL)")
        )
    engine.dispose()

    engine = connect(db_url)  # upgrades to the newest schema
    with Session(engine) as session:
        assert is_seen(session, "port", "https://port.example/pier", None)
        assert is_seen(session, "port", "https://copy.example/pier", None)
        # The original is signed and indexed; its copy is found through it.
        assert session.scalar(select(func.count(func.distinct(ArticleBand.article_id)))) == 1
        assert find_near_duplicate(session, minhash(BODY.replace("Monday", "Tuesday"))) == 1
        assert session.scalar(select(func.count()).select_from(Headline)) == 1
    engine.dispose()


def test_a_store_from_the_second_schema_is_upgraded_and_lists_in_order(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO sources (id, name, created_at) VALUES (1, 'port', '2026-11-20 09:00:00')")
        )
        for i in range(3):
            conn.execute(
                text(
                    "INSERT INTO articles (id, source_id, url, title, authors, body, content_hash, first_seen_at, "
                    "fetched_at, sort_at, version) VALUES (:id, 1, :url, :title, '[]', :body, :hash, :at, :at, :at, 1)"
                ),
                {
                    "id": i + 1,
                    "url": f"https://port.example/{i}",
                    "title": f"Story {i}",
                    "body": BODY,
                    "hash": str(i),
                    "at": f"2026-11-2{i} 09:00:00",
                },
            )
    engine.dispose()
    engine = connect(db_url)
    with Session(engine) as session:
        titles = [r["title"] for r in list_articles(session, ArticleFilter())]
        assert titles == ["Story 2", "Story 1", "Story 0"]
        assert [r["title"] for r in list_articles(session, ArticleFilter(search="pier"))] == titles
    engine.dispose()


def test_a_schema_another_process_creates_while_this_one_checks_is_not_taken_for_a_foreign_one(
    tmp_path: Path,
) -> None:
    # Two commands starting together on a new SQLite file: the other one creates the schema just after
    # this one has read "no revision". This one must then find the schema complete, not take the new
    # tables for someone else's database and stop with an error.
    url = f"sqlite:///{tmp_path / 'newsdesk.db'}"
    engine = make_engine(url)
    other_done = False

    @event.listens_for(engine, "after_cursor_execute")
    def other_process_upgrades(*_: Any) -> None:
        nonlocal other_done
        if not other_done:
            other_done = True
            other = make_engine(url)
            upgrade(other)
            other.dispose()

    upgrade(engine)
    engine.dispose()
    assert other_done
    checked = connect(url)
    with checked.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM articles")).scalar() == 0
    checked.dispose()


def test_the_schema_head_named_in_code_is_the_newest_migration() -> None:
    # A database at SCHEMA_HEAD is used without running Alembic: a new migration must move it.
    from alembic.script import ScriptDirectory

    from storage.db import SCHEMA_HEAD, alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == SCHEMA_HEAD


def test_a_process_on_an_up_to_date_database_starts_without_loading_alembic(tmp_path: Path) -> None:
    # Every crawl process, command and worker connects at start: on a current schema that costs one query,
    # not Alembic's import and a read of every migration script.
    url = f"sqlite:///{tmp_path / 'newsdesk.db'}"
    connect(url).dispose()
    check = (
        "import sys; from storage.db import connect; connect(sys.argv[1]).dispose(); "
        "print('alembic' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", check, url], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "False"


def test_postgres_compresses_article_texts_with_lz4_and_reads_them_back(postgres_url: str) -> None:
    engine = connect(postgres_url)
    long_body = " ".join(f"{BODY} (part {i})" for i in range(200))  # compressed out of line (TOAST)
    with engine.begin() as conn:
        methods: dict[str, str] = dict(
            conn.execute(
                text(
                    "SELECT attrelid::regclass::text || '.' || attname, attcompression FROM pg_attribute "
                    "WHERE attrelid IN ('articles'::regclass, 'article_versions'::regclass) "
                    "AND attname IN ('body', 'search_vector')"
                )
            ).all()
        )
        conn.execute(text("INSERT INTO sources (id, name, created_at) VALUES (1, 'port', now())"))
        conn.execute(
            text(
                "INSERT INTO articles (source_id, url, title, authors, body, content_hash, first_seen_at, "
                "fetched_at, sort_at, version) VALUES (1, 'https://port.example/pier', 'Pier', '[]', :body, "
                "'h', now(), now(), now(), 1)"
            ),
            {"body": long_body},
        )
    with engine.connect() as conn:
        stored, compression = conn.execute(
            text("SELECT body, pg_column_compression(body) FROM articles")
        ).one()
    engine.dispose()
    assert methods == {"articles.body": "l", "articles.search_vector": "l", "article_versions.body": "l"}
    assert compression == "lz4" and stored == long_body
