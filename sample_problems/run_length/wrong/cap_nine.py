# bug: wrong format assumption (single-digit RLE): runs longer than 9 are split into several pairs
def encode_runs(s: str) -> list:
    result = []
    i = 0
    while i < len(s):
        ch = s[i]
        count = 1
        while i + count < len(s) and s[i + count] == ch and count < 9:
            count += 1
        result.append([ch, count])
        i += count
    return result
