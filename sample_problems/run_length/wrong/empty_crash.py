# bug: missed edge case: reads s[0] before checking for the empty string, so encode_runs("") raises IndexError
def encode_runs(s: str) -> list:
    runs = []
    current = s[0]
    count = 0
    for ch in s:
        if ch == current:
            count += 1
        else:
            runs.append([current, count])
            current = ch
            count = 1
    runs.append([current, count])
    return runs
