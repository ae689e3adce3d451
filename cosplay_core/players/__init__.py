"""The players: what the stages ask of a backbone (`contract`), the backbones by name (`registry`), and the
implementations: `lm_player` (a language model through prompts), `sim` (the offline simulation), `pool` (replay of
recorded samples) and `candidates` (replay of your own candidate programs and UTs).

Layers: the players sit above `models/` (providers and the client, which know nothing of players) and below the run
and its stages, which reach a backbone only through the contract. Only `registry` imports the implementations, each
when first asked for.
"""
