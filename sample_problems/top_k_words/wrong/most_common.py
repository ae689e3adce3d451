# bug: wrong tie-breaking: Counter.most_common keeps ties in first-appearance order, not alphabetical order
from collections import Counter


def top_k_words(words: list, k: int) -> list:
    return [word for word, _ in Counter(words).most_common(k)]
