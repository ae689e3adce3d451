# bug: appends a space as an end sentinel, which collides with real spaces: a trailing run of spaces is never flushed
def encode_runs(s: str) -> list:
    result = []
    prev = None
    count = 0
    for ch in s + " ":
        if ch == prev:
            count += 1
        else:
            if prev is not None:
                result.append([prev, count])
            prev = ch
            count = 1
    return result
