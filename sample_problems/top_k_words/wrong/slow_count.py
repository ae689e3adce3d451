# bug: too slow: counts each distinct word with words.count, O(n * distinct) on 100000 words
def top_k_words(words: list, k: int) -> list:
    counts = {}
    for word in words:
        if word not in counts:
            counts[word] = words.count(word)
    ordered = sorted(counts, key=lambda w: (-counts[w], w))
    return ordered[:k]
