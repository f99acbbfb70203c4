"""BM25 keyword scoring over one user's memories, with ``bm25s`` (English stop words, Snowball stems)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import bm25s
import numpy as np
import Stemmer
from bm25s.tokenization import Tokenizer

TOKEN_PATTERN = r"(?u)\b\w+\b"  # bm25s drops one-character tokens by default; "item 7" needs the 7


class KeywordIndex:
    """An immutable BM25 index; rebuild it when the texts change (cheap: about 1 ms per 1,000 texts)."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.size = len(texts)
        self._tokenizer = Tokenizer(stemmer=Stemmer.Stemmer("english"), stopwords="en", splitter=TOKEN_PATTERN)
        self._bm25: bm25s.BM25 | None = None
        self._doc_terms: list[frozenset[int]] = []
        self._doc_freq: dict[int, int] = {}
        if texts:
            corpus = self._tokenizer.tokenize(list(texts), return_as="ids", show_progress=False)
            self._doc_terms = [frozenset(doc) for doc in corpus]
            self._doc_freq = Counter(term for doc in self._doc_terms for term in doc)
            self._bm25 = bm25s.BM25()
            self._bm25.index(corpus, show_progress=False)
        self._empty_token = self._tokenizer.get_vocab_dict().get("")

    def scores(self, query: str) -> np.ndarray:
        """One BM25 score per indexed text, in index order; 0 where no query term occurs."""
        if self._bm25 is None:
            return np.zeros(0, dtype=np.float32)
        ids = self._tokenizer.tokenize([query], update_vocab=False, return_as="ids", show_progress=False)[0]
        terms = [i for i in ids if i != self._empty_token]  # unknown words map to the empty token
        if not terms:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def evidence(self, query: str, position: int) -> float:
        """The share of the query's content terms, weighted by IDF, that text ``position`` contains (0 to 1).

        It says how much a keyword match is worth: "What are must-try restaurants in Rome?" against
        "I strictly avoid gluten" matches nothing rare, while a question naming a person and a
        place its best match also names scores near 1. A term no text contains counts with the
        IDF of an unseen word, so words foreign to the memories weigh against the match.
        """
        tokenizer = self._tokenizer
        stopwords = set(tokenizer.stopwords or ())
        words = [word for word in tokenizer.splitter(query.lower()) if word and word not in stopwords]
        stems = set(map(tokenizer.stemmer, words))
        if not stems or not 0 <= position < self.size:
            return 0.0
        found = self._doc_terms[position]
        total = matched = 0.0
        for stem in stems:
            term = tokenizer.stem_to_sid.get(stem)
            weight = self._idf(self._doc_freq.get(term, 0) if term is not None else 0)
            total += weight
            matched += weight if term in found else 0.0
        return matched / total

    def _idf(self, doc_freq: int) -> float:
        """BM25's (Lucene) inverse document frequency, the one ``bm25s`` scores with."""
        return math.log(1.0 + (self.size - doc_freq + 0.5) / (doc_freq + 0.5))
