"""Experiments over the benchmark data: CoSPlay against CodeT and every baseline on CodeT's recorded HumanEval
samples (`codet_bench`). They sit above the run, the players and the loaders in `cosplay_core.benchmarks`, which
never import them."""
