# bug: off-by-one: frequency buckets are indexed 0..n-1, so a word occurring n times (a single distinct word) raises IndexError
from collections import Counter


def top_k_words(words: list, k: int) -> list:
    counts = Counter(words)
    buckets = [[] for _ in range(len(words))]
    for word, count in counts.items():
        buckets[count].append(word)
    result = []
    for count in range(len(buckets) - 1, 0, -1):
        for word in sorted(buckets[count]):
            if len(result) == k:
                return result
            result.append(word)
    return result
