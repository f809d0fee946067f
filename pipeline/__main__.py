"""``python -m pipeline`` is the same as the ``lessons`` command."""
from .cli import main

main()
