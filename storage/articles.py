"""Write side of articles: lookups the dedupe stage needs, and idempotent inserts and updates (their
statements, as each backend takes them, in storage.rows)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from storage.db import dialect_insert, utcnow
from storage.fingerprints import NEAR_DUPLICATE_RESEMBLANCE, band_keys, resemblance
from storage.models import Article, ArticleBand, ArticleVersion, Headline, SeenUrl, Source
from storage.rows import statement, write_rows
from storage.urls import MAX_URL_CHARS, canonicalize
from storage.versions import edit_kind, word_diff

FETCHED, REEXTRACTED = "fetched", "reextracted"  # where an article's text came from
MAX_CANDIDATES = 20  # band-sharing articles checked per lookup, most shared bands first
SEEN_CHUNK = 500  # URLs looked up per query


@dataclass
class NewArticle:
    source: str
    url: str
    title: str
    authors: list[str]
    published_at: datetime | None
    language: str | None
    body: str
    content_hash: str
    minhash: bytes | None  # see storage.fingerprints.minhash
    headlines: list[tuple[str, str | None]] = field(default_factory=list)
    duplicate_of: int | None = None
    fetched_at: datetime = field(default_factory=utcnow)
    capture_file: str | None = None  # the page as fetched (storage.capture): WARC file and record offset
    capture_offset: int | None = None
    extractor: str | None = None  # the extractor version that made the text
    origin: str = FETCHED  # or REEXTRACTED

    def __post_init__(self) -> None:
        if len(self.url) > MAX_URL_CHARS:
            raise ValueError(
                f"the article's URL is longer than {MAX_URL_CHARS} characters: {self.url[:100]}…"
            )
        # A headline whose link is too long to store keeps its text (as one whose link is not a web link).
        self.headlines = [
            (text, url if url is None or len(url) <= MAX_URL_CHARS else None) for text, url in self.headlines
        ]


def ensure_source(session: Session, name: str) -> int:
    """The source's id, its row made on first use (one SELECT when it exists, as it almost always does;
    none for the second use in the same session)."""
    # Remembered for the current transaction only: a row made in one that rolls back is gone.
    transaction = session.get_transaction()
    remembered = session.info.get("newsdesk_source_ids")
    if remembered is None or remembered[0] is not transaction:
        remembered = session.info["newsdesk_source_ids"] = (transaction, {})
    known: dict[str, int] = remembered[1]
    if name in known:
        return known[name]
    found = session.scalars(select(Source.id).where(Source.name == name)).first()
    if found is None:
        session.execute(
            dialect_insert(session, Source)
            .values(name=name, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["name"])
        )
        found = session.scalars(select(Source.id).where(Source.name == name)).one()
    known[name] = found
    return found


# The statements a crawl runs for every article, built once with bound parameters: a statement built for
# each call with its values in it costs SQLAlchemy more (building it and its cache key) than the database
# costs to run it.
_BY_URL = select(Article.id, Article.content_hash).where(Article.url == bindparam("url"))
_BY_HASH = (
    select(Article.id, Article.url)
    .where(Article.content_hash == bindparam("content_hash"))
    .order_by(Article.id)
    .limit(1)
)
_BAND_CANDIDATES = (
    select(ArticleBand.article_id)
    .where(ArticleBand.key.in_(bindparam("keys", expanding=True)))
    .group_by(ArticleBand.article_id)
    .order_by(func.count().desc(), ArticleBand.article_id)
    .limit(MAX_CANDIDATES)
)
_BY_URLS = select(Article.id, Article.url, Article.content_hash).where(
    Article.url.in_(bindparam("urls", expanding=True))
)
_BY_HASHES = select(Article.id, Article.url, Article.content_hash).where(
    Article.content_hash.in_(bindparam("hashes", expanding=True))
)
_BANDS = select(ArticleBand.key, ArticleBand.article_id).where(
    ArticleBand.key.in_(bindparam("keys", expanding=True))
)
_MINHASHES = select(Article.id, Article.minhash).where(Article.id.in_(bindparam("ids", expanding=True)))
_NEAR = select(Article.id, Article.minhash).where(Article.id.in_(_BAND_CANDIDATES.scalar_subquery()))


def find_by_url(session: Session, url: str) -> Article | None:
    return session.scalars(select(Article).where(Article.url == url)).first()


def stored_hash(session: Session, url: str) -> tuple[int, str] | None:
    """The id and content hash of the article stored under `url` (without loading its text)."""
    row = session.execute(_BY_URL, {"url": url}).first()
    return (row[0], row[1]) if row is not None else None


def same_text(session: Session, content_hash: str) -> tuple[int, str] | None:
    """The id and URL of the first article stored with this content hash (without loading its text)."""
    row = session.execute(_BY_HASH, {"content_hash": content_hash}).first()
    return (row[0], row[1]) if row is not None else None


def find_near_duplicate(
    session: Session, signature: bytes | None, threshold: float = NEAR_DUPLICATE_RESEMBLANCE
) -> int | None:
    """The original article whose text resembles `signature`'s most (at least `threshold`), found
    through the LSH band index: one indexed lookup whatever the size of the store."""
    if signature is None:
        return None
    return _best_match(signature, session.execute(_NEAR, {"keys": band_keys(signature)}), threshold)


def _best_match(
    signature: bytes, candidates: Iterable[tuple[int, bytes | None]], threshold: float
) -> int | None:
    """The candidate (id, signature) that resembles `signature` most, at least `threshold`; the lowest id
    among equals."""
    best: tuple[float, int] | None = None
    for article_id, other in candidates:
        score = resemblance(signature, other) if other is not None else 0.0
        if score >= threshold and (best is None or (score, -article_id) > (best[0], -best[1])):
            best = (score, article_id)
    return best[1] if best else None


class Lookups:
    """What the dedupe stage asks of the store within one transaction: stored_hash, same_text and
    find_near_duplicate, one query each. `Lookups.for_batch` reads the store for a batch of articles at
    once instead: all of their URLs, content hashes and band keys in three queries (the signatures of an
    article's best candidates when it has any), and what the batch writes is added as it is written, so a
    copy later in the batch finds its original earlier in it. After an update (a stored text replaced)
    the lookups go to the database again, one query each, for the rest of the batch."""

    def __init__(self, session: Session):
        self.session = session
        self.exact = False  # whether the reads below say what the store holds (for_batch)
        self.by_url: dict[str, tuple[int, str]] = {}
        self.by_hash: dict[str, tuple[int, str]] = {}
        self.bands: dict[int, set[int]] = {}
        self.minhashes: dict[int, bytes | None] = {}

    @classmethod
    def for_batch(
        cls, session: Session, urls: Iterable[str], hashes: Iterable[str], signatures: Iterable[bytes]
    ) -> Lookups:
        lookups = cls(session)
        lookups.exact = True
        for chunk in _chunks(sorted(set(urls))):
            for article_id, url, content_hash in session.execute(_BY_URLS, {"urls": chunk}):
                lookups.by_url[url] = (article_id, content_hash)
        for chunk in _chunks(sorted(set(hashes))):
            for article_id, url, content_hash in session.execute(_BY_HASHES, {"hashes": chunk}):
                known = lookups.by_hash.get(content_hash)
                if known is None or article_id < known[0]:
                    lookups.by_hash[content_hash] = (article_id, url)
        keys = sorted({key for signature in signatures for key in band_keys(signature)})
        for chunk in _chunks(keys):
            for key, article_id in session.execute(_BANDS, {"keys": chunk}):
                lookups.bands.setdefault(key, set()).add(article_id)
        return lookups

    def stored_hash(self, url: str) -> tuple[int, str] | None:
        return self.by_url.get(url) if self.exact else stored_hash(self.session, url)

    def same_text(self, content_hash: str) -> tuple[int, str] | None:
        return self.by_hash.get(content_hash) if self.exact else same_text(self.session, content_hash)

    def find_near_duplicate(self, signature: bytes | None) -> int | None:
        """As find_near_duplicate: the same candidates (most shared bands first, then the lowest id)."""
        if not self.exact:
            return find_near_duplicate(self.session, signature)
        if signature is None:
            return None
        shared: dict[int, int] = {}
        for key in set(band_keys(signature)):
            for article_id in self.bands.get(key, ()):
                shared[article_id] = shared.get(article_id, 0) + 1
        candidates = sorted(shared, key=lambda article_id: (-shared[article_id], article_id))[:MAX_CANDIDATES]
        missing = [article_id for article_id in candidates if article_id not in self.minhashes]
        if missing:  # read for these MAX_CANDIDATES at most, as the one-by-one lookup does
            for article_id, other in self.session.execute(_MINHASHES, {"ids": missing}):
                self.minhashes[article_id] = other
        return _best_match(
            signature, ((i, self.minhashes.get(i)) for i in candidates), NEAR_DUPLICATE_RESEMBLANCE
        )

    def inserted(self, article_id: int, new: NewArticle) -> None:
        """An article inserted in this transaction (as insert_article wrote it)."""
        if not self.exact:  # the database is asked anyway
            return
        self.by_url[new.url] = (article_id, new.content_hash)
        self.by_hash.setdefault(new.content_hash, (article_id, new.url))
        if new.duplicate_of is None and new.minhash is not None:
            for key in band_keys(new.minhash):
                self.bands.setdefault(key, set()).add(article_id)
            self.minhashes[article_id] = new.minhash

    def updated(self) -> None:
        """A stored article's text was replaced: the batch's reads no longer say what the store holds."""
        self.exact = False


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    return (values[start : start + SEEN_CHUNK] for start in range(0, len(values), SEEN_CHUNK))


def is_seen(session: Session, source: str, url: str, fresh_since: datetime | None) -> bool:
    """Whether `source` fetched `url` already (since `fresh_since` when given: older ones are due again)."""
    return url in seen_among(session, source, [url], fresh_since)


def fresh_cutoff(refresh_after: int | None) -> datetime | None:
    """What a source fetched before this is due again (`refresh_after` seconds ago), or None: never."""
    return utcnow() - timedelta(seconds=refresh_after) if refresh_after is not None else None


def known_urls(
    session: Session, source: str, urls: Iterable[str], keep_params: frozenset[str], refresh_after: int | None
) -> set[str]:
    """Those of `urls` (as linked) that `source` fetched already, in their canonical form, and that are
    not due again after `refresh_after` seconds: what a crawl of it does not fetch."""
    canonical = {url: canonicalize(url, keep_params) for url in urls}
    seen = seen_among(session, source, canonical.values(), fresh_cutoff(refresh_after))
    return {url for url, form in canonical.items() if form in seen}


def seen_among(session: Session, source: str, urls: Iterable[str], fresh_since: datetime | None) -> set[str]:
    """Those of `urls` that `source` fetched already (since `fresh_since` when given: older ones are due
    again), in one query per SEEN_CHUNK URLs."""
    seen: set[str] = set()
    for chunk in _chunks(sorted(set(urls))):
        stmt = select(SeenUrl.url).join(Source).where(Source.name == source, SeenUrl.url.in_(chunk))
        if fresh_since is not None:
            stmt = stmt.where(SeenUrl.fetched_at >= fresh_since)
        seen.update(session.scalars(stmt))
    return seen


def mark_seen(session: Session, source: str, urls: Iterable[str], article_id: int | None) -> None:
    """Record that `source` fetched these URLs now (and which article they gave); a URL too long to store
    is left out (it is fetched again next time)."""
    rows = sorted({url for url in urls if len(url) <= MAX_URL_CHARS})
    if not rows:
        return
    same = {"source_id": ensure_source(session, source), "article_id": article_id, "fetched_at": utcnow()}
    write_rows(session, "seen", same, {"url": rows})


def _index_bands(session: Session, article_id: int, signature: bytes | None, replace: bool = True) -> None:
    if replace:  # a new article has no bands to take away
        session.execute(delete(ArticleBand).where(ArticleBand.article_id == article_id))
    if signature is not None:
        write_rows(session, "band", {"article_id": article_id}, {"key": sorted(set(band_keys(signature)))})


def insert_article(session: Session, new: NewArticle) -> int | None:
    """Insert a new article with its headlines; None when the URL is already stored (by another worker)."""
    source_id = ensure_source(session, new.source)
    result = session.execute(
        statement(session, "article"),
        {
            "source_id": source_id,
            "url": new.url,
            "title": new.title,
            "authors": new.authors,
            "published_at": new.published_at,
            "language": new.language,
            "body": new.body,
            "content_hash": new.content_hash,
            "duplicate_of": new.duplicate_of,
            "first_seen_at": new.fetched_at,
            "fetched_at": new.fetched_at,
            "sort_at": new.published_at or new.fetched_at,
            "version": 1,
            "minhash": new.minhash,
            "capture_file": new.capture_file,
            "capture_offset": new.capture_offset,
            "extractor": new.extractor,
            "origin": new.origin,
        },
    )
    article_id = result.scalar()
    if article_id is None:
        return None
    _write_headlines(session, article_id, new.headlines)
    if new.duplicate_of is None:  # copies are found through their original
        _index_bands(session, article_id, new.minhash, replace=False)
    return article_id


def update_article(session: Session, article: Article, new: NewArticle) -> int:
    """Keep the current text as a version and store the new one, recording what kind of change it is;
    returns the new version number."""
    headlines = [[h.text, h.url] for h in article.headlines]
    metadata = (
        list(article.authors or []) != new.authors
        or (new.published_at is not None and article.published_at != new.published_at)
        or headlines != [[text, url] for text, url in new.headlines]
    )
    kind = edit_kind(
        word_diff(article.title, new.title),
        word_diff(article.body, new.body),
        metadata=metadata,
        reextracted=new.origin == REEXTRACTED,
    )
    session.add(
        ArticleVersion(
            article_id=article.id,
            version=article.version,
            title=article.title,
            body=article.body,
            content_hash=article.content_hash,
            fetched_at=article.fetched_at,
            capture_file=article.capture_file,
            capture_offset=article.capture_offset,
            extractor=article.extractor,
            origin=article.origin,
            authors=list(article.authors or []),
            published_at=article.published_at,
            headlines=headlines,
            change=article.change,
        )
    )
    article.change = kind
    article.version += 1
    article.title = new.title
    article.body = new.body
    article.authors = new.authors
    article.language = new.language
    article.content_hash = new.content_hash
    article.fetched_at = new.fetched_at
    if new.published_at is not None:
        article.published_at = new.published_at
    article.sort_at = article.published_at or article.fetched_at
    article.minhash = new.minhash
    article.capture_file, article.capture_offset = new.capture_file, new.capture_offset
    article.extractor, article.origin = new.extractor, new.origin
    if article.duplicate_of is None:
        _index_bands(session, article.id, new.minhash)
    session.execute(delete(Headline).where(Headline.article_id == article.id))
    session.flush()
    _write_headlines(session, article.id, new.headlines)
    return article.version


def _write_headlines(session: Session, article_id: int, headlines: list[tuple[str, str | None]]) -> None:
    if headlines:
        columns: dict[str, list[Any]] = {
            "position": list(range(len(headlines))),
            "text": [text for text, _ in headlines],
            "url": [url for _, url in headlines],
        }
        write_rows(session, "headline", {"article_id": article_id}, columns)
