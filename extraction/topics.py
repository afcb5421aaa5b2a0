"""Does a list of headlines share the article's topic? The share of the items' content words that occur
near the article's end: the headline splitter keeps a list on the article's own topic as article text."""

from __future__ import annotations

import re

CONTENT_WORD_RE = re.compile(r"[^\W\d_]{4,}")
# Words too common to tie a headline to the article's topic.
GENERIC_WORDS = frozenset(
    "about after also best better from guide have here into just know like make more most need over "
    "that their them then there these they this ways what when where which while will with without "
    "your yours year years things tips complete ultimate really every first great good new top".split()
)
# The article's own list follows from the text just above it; a long article shares common words with any
# list of other stories somewhere, so only its last TOPIC_CHARS characters (about 1,500 words) are compared.
TOPIC_CHARS = 15_000


def topic_overlap(items: list[str], body: str) -> float:
    """Mean share of each item's content words that occur in the body's last TOPIC_CHARS characters."""
    tail = _Tail(body[-TOPIC_CHARS:].casefold())
    shares = []
    for item in items:
        words = [_stem(w) for w in CONTENT_WORD_RE.findall(item) if w.casefold() not in GENERIC_WORDS]
        if words:
            shares.append(sum(map(tail.has, words)) / len(words))
    return sum(shares) / len(shares) if shares else 0.0


class _Tail:
    """The words of a body's tail, looked up one at a time: str.find jumps to each place a word's letters
    occur, and only a text where they occur inside other words again and again is cut into all its words
    (a regex over the whole tail, which took half the splitter's time when run on every tail)."""

    MAX_MISSES = 64

    def __init__(self, text: str) -> None:
        self.text = text
        self.misses = 0
        self.words: set[str] | None = None
        self.answers: dict[str, bool] = {}

    def has(self, word: str) -> bool:
        """Does the text hold `word`, or `word` with a plural 's', as a whole content word?"""
        answer = self.answers.get(word)
        if answer is None:
            answer = self.answers[word] = self._find(word)
        return answer

    def _find(self, word: str) -> bool:
        if self.words is None:
            text, size = self.text, len(self.text)
            at = text.find(word)
            while at >= 0:
                end = at + len(word)
                if at == 0 or not _is_letter(text[at - 1]):
                    if end < size and text[end] == "s":
                        end += 1
                    if end == size or not _is_letter(text[end]):
                        return True
                self.misses += 1
                if self.misses > self.MAX_MISSES:
                    self.words = set(CONTENT_WORD_RE.findall(text))
                    break
                at = text.find(word, at + 1)
            else:
                return False
        return word in self.words or word + "s" in self.words


def _is_letter(char: str) -> bool:
    """What CONTENT_WORD_RE counts as a letter: a word character that is neither a digit nor '_'."""
    return char.isalnum() and not char.isdecimal() and char != "_"


def _stem(word: str) -> str:
    """Case-folded, with a plural 's' dropped ("bugs" meets "bug")."""
    word = word.casefold()
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word
