def encode_runs(s: str) -> list:
    runs = []
    n = len(s)
    i = 0
    while i < n:
        ch = s[i]
        j = i + 1
        while j < n and s[j] == ch:
            j += 1
        runs.append([ch, j - i])
        i = j
    return runs
