"""`python -m domainwatch_tui` runs the command line."""

from domainwatch_tui.cli import main

if __name__ == "__main__":
    main()
