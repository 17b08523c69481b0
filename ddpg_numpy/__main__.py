"""``python -m ddpg_numpy ...``: see ``ddpg_numpy.cli``."""

from .cli import main

raise SystemExit(main())
