# bug: wrong tie-breaking: sorts by (count, word) with reverse=True, so equal counts come out in reverse alphabetical order
from collections import Counter


def top_k_words(words: list, k: int) -> list:
    counts = Counter(words)
    ordered = sorted(counts.items(), key=lambda item: (item[1], item[0]), reverse=True)
    return [word for word, _ in ordered[:k]]
