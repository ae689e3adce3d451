"""Input generator for top_k_words: returns the JSON text of the argument array [words, k]."""
import json
import random
import string

MAX_N = 100000


def _word(rng: random.Random, lo: int = 1, hi: int = 10, letters: str = string.ascii_lowercase) -> str:
    return "".join(rng.choice(letters) for _ in range(rng.randint(lo, hi)))


def _vocab(rng: random.Random, size: int, lo: int = 1, hi: int = 10, letters: str = string.ascii_lowercase) -> list:
    vocab = set()
    attempts = 0
    while len(vocab) < size and attempts < size * 20:
        attempts += 1
        w = _word(rng, lo, hi, letters)
        vocab.add(w)
        # sometimes add a prefix or an extension, to exercise "app" < "apple"
        if len(vocab) < size and rng.random() < 0.2:
            if len(w) > 1:
                vocab.add(w[: rng.randint(1, len(w) - 1)])
            elif len(w) < hi:
                vocab.add(w + rng.choice(letters))
    return sorted(vocab)


def _edge(rng: random.Random):
    choice = rng.randrange(9)
    if choice == 0:
        return [], rng.choice([0, 1, 3])
    if choice == 1:
        # a single distinct word
        return [_word(rng)] * rng.randint(1, 6), rng.choice([1, 1, 2])
    if choice == 2:
        # all words distinct: every count ties
        words = _vocab(rng, rng.randint(2, 8))
        rng.shuffle(words)
        return words, rng.randint(1, len(words))
    if choice == 3:
        # k equal to the number of distinct words
        vocab = _vocab(rng, rng.randint(2, 6), 1, 4)
        words = [rng.choice(vocab) for _ in range(rng.randint(len(vocab), 15))] + vocab
        rng.shuffle(words)
        return words, len(set(words))
    if choice == 4:
        # k larger than the number of distinct words
        vocab = _vocab(rng, rng.randint(1, 4), 1, 3)
        words = [rng.choice(vocab) for _ in range(rng.randint(1, 10))]
        return words, len(set(words)) + rng.randint(1, 5)
    if choice == 5:
        # prefixes tie with each other
        base = _word(rng, 4, 8)
        vocab = [base[:i] for i in range(1, len(base) + 1)]
        words = vocab * rng.randint(1, 3)
        rng.shuffle(words)
        return words, rng.randint(1, len(vocab))
    if choice == 6:
        # tie exactly at the cut, late words alphabetically first
        vocab = sorted(_vocab(rng, 6, 2, 5), reverse=True)
        words = [vocab[0]] * 3 + vocab[1:]
        return words, rng.randint(2, 4)
    if choice == 7:
        return [_word(rng) for _ in range(rng.randint(1, 6))], 0
    # a single word, k = 1
    return [_word(rng)], 1


def _large(rng: random.Random):
    n = MAX_N
    choice = rng.randrange(3)
    if choice == 0:
        vocab = _vocab(rng, rng.choice([50, 2000, 40000]))
        words = [rng.choice(vocab) for _ in range(n)]
    elif choice == 1:
        # skewed (Zipf-like) frequencies with many ties in the tail
        vocab = _vocab(rng, 30000, 2, 7)
        weights = [1.0 / (i + 1) for i in range(len(vocab))]
        rng.shuffle(vocab)
        words = rng.choices(vocab, weights=weights, k=n)
    else:
        # almost all distinct
        words = [_word(rng, 6, 10) for _ in range(n)]
    distinct = len(set(words))
    k = rng.choice([1, 10, 1000, distinct, distinct + 5])
    return words, min(k, 100000)


def generate(rng: random.Random, kind: str) -> str:
    if kind == "edge":
        words, k = _edge(rng)
    elif kind == "large":
        words, k = _large(rng)
    else:
        vocab = _vocab(rng, rng.randint(1, 8), 1, rng.choice([2, 3, 6]), string.ascii_lowercase[: rng.randint(2, 8)])
        words = [rng.choice(vocab) for _ in range(rng.randint(0, 30))]
        k = rng.randint(0, len(set(words)) + 2)
    return json.dumps([words, k])
