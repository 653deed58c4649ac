"""`python -m inkrider_lite.site build|serve`: build the static site into build/, or serve it."""

from __future__ import annotations

import argparse
from pathlib import Path

from .build import build
from .serve import serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m inkrider_lite.site")
    sub = parser.add_subparsers(dest="command", required=True)
    build_cmd = sub.add_parser("build", help="build the site into build/site")
    build_cmd.add_argument("--vanilla", action="store_true", help="JupyterLite without InkRider")
    build_cmd.add_argument(
        "--root",
        type=Path,
        default=Path.cwd(),
        help="the repository: content/ and jupyterlite_config.json are read from it, and the "
        "site is written to its build/ (default: the current folder)",
    )
    serve_cmd = sub.add_parser("serve", help="serve build/site on 127.0.0.1")
    serve_cmd.add_argument(
        "--root",
        type=Path,
        default=Path.cwd(),
        help="the repository whose build/site is served (default: the current folder)",
    )
    serve_cmd.add_argument("--port", type=int, default=8000, help="default: 8000")
    serve_cmd.add_argument("--vanilla", action="store_true", help="serve the vanilla site")
    serve_cmd.add_argument(
        "--no-isolation",
        action="store_true",
        help="leave out the COOP/COEP headers, as a plain static host would (no interrupt)",
    )
    args = parser.parse_args()
    if args.command == "build":
        output = build(args.root.resolve(), vanilla=args.vanilla)
        print(f"built {output}")
    else:
        sub_dir = "vanilla-site" if args.vanilla else "site"
        site = args.root.resolve() / "build" / sub_dir
        if not (site / "index.html").is_file():
            # A site folder given as --root (a natural guess) would be served as 404s.
            build_command = "python -m inkrider_lite.site build" + (
                " --vanilla" if args.vanilla else ""
            )
            parser.error(
                f"no built site at {site}: --root is the repository, not the site folder; "
                f"build it with `{build_command}`"
            )
        serve(site, args.port, isolated=not args.no_isolation)


if __name__ == "__main__":
    main()
