"""Keywords and an extractive summary: plain Python over the extracted prose.

Cheap to test on its own; nothing here touches PyMuPDF.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from core.extraction.model import Block, Sentence

WORD_RE = re.compile(r"\w+(?:['’.,\-]\w+)*")
_ITEM_MARK = re.compile(r"^(?:- |\d+\. )")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")

# A common English stopword list (NLTK's and scikit-learn's, merged and trimmed), kept
# inline so the offline backend needs no download.
STOPWORDS = frozenset(
    """
    a about above across after afterwards again against all almost alone along already also
    although always am among amongst an and another any anyhow anyone anything anyway
    anywhere are aren around as at back be became because become becomes becoming been
    before beforehand behind being below beside besides between beyond both but by can
    cannot could couldn did didn do does doesn doing don done down due during each eg
    either else elsewhere enough etc even ever every everyone everything everywhere except
    few for former formerly from further get gets given go had hadn has hasn have haven
    having he hence her here hereafter hereby herein hers herself him himself his how
    however i ie if in indeed instead into is isn it its itself just last later latter
    least less let like ll made make makes many may me meanwhile might mine more moreover
    most mostly much must my myself namely near neither never nevertheless next no nobody
    none noone nor not nothing now nowhere of off often on once one only onto or other
    others otherwise our ours ourselves out over own per perhaps please put rather re same
    see seem seemed seeming seems several shall she should shouldn since so some somehow
    someone something sometime sometimes somewhere still such than that the their theirs
    them themselves then thence there thereafter thereby therefore therein thereupon these
    they this those though through throughout thru thus to together too toward towards
    under until up upon us used using ve very via was wasn we well were weren what whatever
    when whence whenever where whereafter whereas whereby wherein whereupon wherever
    whether which while whither who whoever whole whom whose why will with within without
    won would wouldn yet you your yours yourself yourselves also new two three four five
    six seven eight nine ten first second third year years percent page pages
    """.split()  # noqa: SIM905 - a word list reads better as text
)


# ------------------------------------------------------------- keywords and summary
def tokenize(text: str) -> list[str]:
    """Lower-case word tokens (numbers like 1,200.5 and words like first-pass stay whole)."""
    return [token.lower().replace("’", "'") for token in WORD_RE.findall(text)]


def _content_word(token: str) -> str | None:
    word = token.removesuffix("'s")
    if len(word) < 3 or word in STOPWORDS or not word.replace("-", "").replace("'", "").isalpha():
        return None
    return word


def term_frequencies(text: str) -> Counter[str]:
    """Counts of content words; a plural is folded into its singular when both occur."""
    counts: Counter[str] = Counter()
    for token in tokenize(text):
        word = _content_word(token)
        if word:
            counts[word] += 1
    for word in [w for w in counts if w.endswith("s") and not w.endswith("ss")]:
        singular = word[:-1]
        if singular in counts:
            counts[singular] += counts.pop(word)
    return counts


def _canonical(word: str, freq: Counter[str]) -> str:
    if word not in freq and word.endswith("s") and word[:-1] in freq:
        return word[:-1]
    return word


def top_keywords(freq: Counter[str], count: int = 10) -> list[str]:
    """The most frequent content words; ties keep first-seen order (Counter is ordered)."""
    return [word for word, n in freq.most_common(count) if n >= 1]


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph. A heuristic: end punctuation then a capital or digit."""
    return [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip()]


def extractive_summary(paragraphs: Sequence[Block], freq: Counter[str]) -> list[Sentence]:
    """The 3-5 most representative sentences, in the order they appear.

    A sentence scores the summed frequency of its distinct content words, damped by its
    length so long sentences do not win by size alone; the first sentence of a paragraph
    gets a small bonus (topic sentences). Only prose qualifies (see :func:`is_prose`):
    code, signatures and lists of names make poor summaries however frequent their words.
    """
    candidates: list[tuple[int, Sentence, float]] = []
    seen: set[str] = set()
    for paragraph in paragraphs:
        text = _ITEM_MARK.sub("", paragraph.markdown)
        for index, sentence in enumerate(split_sentences(text)):
            key = sentence.lower()
            words = tokenize(sentence)
            if key in seen or not is_prose(sentence, words):
                continue
            seen.add(key)
            content = {_canonical(w, freq) for t in words if (w := _content_word(t)) is not None}
            if not content:
                continue
            score = sum(freq.get(w, 0) for w in content) / len(words) ** 0.7
            if index == 0:
                score *= 1.1
            candidates.append((len(candidates), Sentence(sentence, paragraph.page), score))
    if not candidates:
        return []
    wanted = 3 if len(candidates) <= 15 else 4 if len(candidates) <= 40 else 5
    best = sorted(candidates, key=lambda c: (-c[2], c[0]))[:wanted]
    return [sentence for _, sentence, _ in sorted(best)]


_FIGURE = re.compile(r"\d")
_FACTS_MAX = 5


def key_facts(paragraphs: Sequence[Block], exclude: Sequence[Sentence] = ()) -> list[Sentence]:
    """Up to five sentences that state a figure (an amount, a date, a count), those with
    the most figures first, returned in the order they appear; the summary's own
    sentences are left out (``exclude``). Offline there is no model to pick facts, but a
    sentence with numbers is what an analyst most often wants to quote and check."""
    taken = {sentence.text.lower() for sentence in exclude}
    candidates: list[tuple[int, Sentence, int]] = []
    for paragraph in paragraphs:
        for text in split_sentences(_ITEM_MARK.sub("", paragraph.markdown)):
            if text.lower() in taken or not _FIGURE.search(text):
                continue
            if not is_prose(text, tokenize(text)):
                continue
            taken.add(text.lower())
            figures = len(re.findall(r"\d+(?:[.,]\d+)*", text))
            candidates.append((len(candidates), Sentence(text, paragraph.page), figures))
    best = sorted(candidates, key=lambda c: (-c[2], c[0]))[:_FACTS_MAX]
    return [sentence for _, sentence, _ in sorted(best, key=lambda c: c[0])]


_CODE_CHARS = frozenset("<>{}[]=*_\\/|#@$^~`;")
_LEADER = re.compile(r"(?:\.\s?){4,}")  # dot leaders of a contents line


def is_prose(sentence: str, words: Sequence[str]) -> bool:
    """A complete sentence of words: 6-50 words, a capital start, an end mark, few symbols."""
    if not 6 <= len(words) <= 50:
        return False
    stripped = sentence.rstrip('"”’)] ')
    if not stripped.endswith((".", "!", "?")) or _LEADER.search(sentence):
        return False
    first = sentence.lstrip('"“‘([')[:1]
    if not (first.isupper() or first.isdigit()):
        return False
    symbols = sum(1 for ch in sentence if ch in _CODE_CHARS)
    if symbols > max(1, len(sentence) // 60):
        return False
    alphabetic = sum(1 for w in words if w.replace("-", "").replace("'", "").isalpha())
    return alphabetic >= 0.7 * len(words)
