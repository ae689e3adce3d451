# bug: missed edge case: indexes the sorted list k times, IndexError when k exceeds the number of distinct words
from collections import Counter


def top_k_words(words: list, k: int) -> list:
    counts = Counter(words)
    ordered = sorted(counts, key=lambda w: (-counts[w], w))
    return [ordered[i] for i in range(k)]
