"""Search text as people type it -> each backend's own full-text query, built from word characters only
(no user text reaches the query syntax unparsed).

Understood: words (all must match), "quoted phrases", prefixes (`climat*`), `OR` between terms, `-word`
or `NOT word` to exclude. Anything else (punctuation, stray quotes) separates words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOKEN_RE = re.compile(r'(-?)"([^"]*)"|(\S+)')
WORD_RE = re.compile(r"\w+")
# The full-text engines' work grows faster than a search's terms (SQLite's with their square).
MAX_TERMS = 32
MAX_SEARCH_CHARS = 1000


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or a phrase
    prefix: bool = False  # the last word is a prefix
    negated: bool = False


# A query: groups joined by OR, each group a list of terms that must all match.
Query = list[list[Term]]


def _too_long() -> ValueError:
    return ValueError(f"a search may have at most {MAX_TERMS} terms and {MAX_SEARCH_CHARS} characters")


def parse(text: str) -> Query:
    """The search's groups of terms; ValueError for a search of exclusions only (-word, NOT word), which
    has nothing to find."""
    if len(text) > MAX_SEARCH_CHARS:
        raise _too_long()
    groups: Query = [[]]
    negate_next = False
    for m in TOKEN_RE.finditer(text):
        minus, phrase, bare = m.groups()
        if bare is not None and bare in ("OR", "|"):
            if groups[-1]:
                groups.append([])
            continue
        if bare is not None and bare in ("AND", "&"):
            continue
        if bare == "NOT":
            negate_next = True
            continue
        negated = negate_next or bool(minus) or (bare is not None and bare.startswith("-"))
        negate_next = False
        source = phrase if phrase is not None else bare
        words = tuple(w.lower() for w in WORD_RE.findall(source))
        if not words:
            continue
        # A bare word of several parts ("e-mail", "U.S.") is a phrase of them, and not a prefix.
        prefix = phrase is None and source.endswith("*") and len(words) == 1
        groups[-1].append(Term(words, prefix, negated))
    if sum(len(g) for g in groups) > MAX_TERMS:
        raise _too_long()
    kept = [g for g in groups if any(not t.negated for t in g)]
    if not kept and any(groups):
        raise ValueError(
            f"{text!r} only excludes words: a search needs a word to find (e.g. 'harbour -ferry')"
        )
    return kept


def to_fts5(query: Query) -> str:
    """SQLite FTS5 MATCH expression."""

    def term(t: Term) -> str:
        return '"' + " ".join(t.words) + '"' + ("*" if t.prefix else "")

    parts = []
    for group in query:
        positive = " AND ".join(term(t) for t in group if not t.negated)
        negative = "".join(f" NOT {term(t)}" for t in group if t.negated)
        parts.append(f"({positive}{negative})")
    return " OR ".join(parts)


def to_tsquery(query: Query, weight: str = "") -> str:
    """PostgreSQL to_tsquery text (for the 'simple' configuration); with a `weight` (A: the title) each
    word matches only where it has that weight."""

    def term(t: Term) -> str:
        lexemes = [f"'{w}'" + (f":{weight}" if weight else "") for w in t.words]
        if t.prefix:
            lexemes[-1] += "*" if weight else ":*"
        body = " <-> ".join(lexemes)
        body = f"({body})" if len(lexemes) > 1 else body
        return f"!{body}" if t.negated else body

    return " | ".join("(" + " & ".join(term(t) for t in group) + ")" for group in query)


# PostgreSQL text search configurations by an article's language (its primary subtag): words are stemmed
# in their own language ("harbours" finds "harbour"); other languages are indexed word for word.
LANGUAGE_CONFIGS = {
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nb": "norwegian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}
FALLBACK_CONFIG = "simple"


def config_for(language: str | None) -> str:
    return LANGUAGE_CONFIGS.get((language or "").split("-")[0].lower(), FALLBACK_CONFIG)


def config_sql(column: str) -> str:
    """SQL choosing an article's configuration from its language column (immutable: usable in the
    generated search_vector column)."""
    cases = " ".join(
        f"WHEN '{code}' THEN '{name}'::regconfig" for code, name in sorted(LANGUAGE_CONFIGS.items())
    )
    return f"(CASE split_part(lower(coalesce({column}, '')), '-', 1) {cases} ELSE '{FALLBACK_CONFIG}'::regconfig END)"
