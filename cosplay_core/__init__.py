"""CoSPlay: cooperative self-play of candidate programs and self-generated unit tests, with no ground truth."""

__version__ = "0.1.0"
