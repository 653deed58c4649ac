"""`python -m inkrider_lite run ...`: the headless runner (inkrider_lite/runner, host only)."""

import sys


def main() -> int:
    from .runner.cli import main as run_main

    return run_main()


if __name__ == "__main__":
    sys.exit(main())
