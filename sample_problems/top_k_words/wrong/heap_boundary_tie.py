# bug: wrong tie-breaking at the cut: a size-k min-heap of (count, word) evicts the alphabetically smallest of the tied words
import heapq
from collections import Counter


def top_k_words(words: list, k: int) -> list:
    counts = Counter(words)
    heap = []
    for word, count in counts.items():
        heapq.heappush(heap, (count, word))
        if len(heap) > k:
            heapq.heappop(heap)
    heap.sort(key=lambda item: (-item[0], item[1]))
    return [word for _, word in heap]
