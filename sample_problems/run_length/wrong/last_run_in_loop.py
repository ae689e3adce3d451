# bug: off-by-one: the last run is flushed inside the loop over indexes 1..n-1, so a one-character string returns []
def encode_runs(s: str) -> list:
    result = []
    count = 1
    for i in range(1, len(s)):
        if s[i] == s[i - 1]:
            count += 1
        else:
            result.append([s[i - 1], count])
            count = 1
        if i == len(s) - 1:
            result.append([s[i], count])
    return result
