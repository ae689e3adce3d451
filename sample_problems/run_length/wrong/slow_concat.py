# bug: too slow: grows each run as a string stored in a list (no in-place concat), O(L^2) for a run of length L
def encode_runs(s: str) -> list:
    groups = []
    for ch in s:
        if groups and groups[-1][-1] == ch:
            groups[-1] += ch
        else:
            groups.append(ch)
    return [[g[0], len(g)] for g in groups]
