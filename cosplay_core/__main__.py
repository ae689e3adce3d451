"""`python -m cosplay_core` is the `cosplay` command."""

from cosplay_core.cli import main

raise SystemExit(main())
