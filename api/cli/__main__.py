"""`python -m api.cli`: the `meetings` command."""

from api.cli import main

main()
