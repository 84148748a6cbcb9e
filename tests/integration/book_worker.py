"""A separate OS process that books a list of slots through the CLI's `main` (for the
concurrency tests). Prints one JSON line per attempt: start, exit code, stderr."""

import contextlib
import io
import json
import sys

from mild_desk.cli import main


def run(db: str, provider: str, mrn: str, starts: list[str]) -> None:
    for start in starts:
        err = io.StringIO()
        args = [
            "--db",
            db,
            "--user",
            "sam",
            "book",
            "--mrn",
            mrn,
            "--start",
            start,
            "--provider",
            provider,
        ]
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(args)
        print(json.dumps({"start": start, "code": code, "stderr": err.getvalue()}), flush=True)


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
