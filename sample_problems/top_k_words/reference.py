from collections import Counter


def top_k_words(words: list, k: int) -> list:
    if k <= 0:
        return []
    counts = Counter(words)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [word for word, _ in ordered[:k]]
