# bug: counts characters with a dict, merging non-adjacent runs of the same character ("abab" -> [["a", 2], ["b", 2]])
def encode_runs(s: str) -> list:
    counts = {}
    for ch in s:
        counts[ch] = counts.get(ch, 0) + 1
    return [[ch, c] for ch, c in counts.items()]
