"""Write the HEAD tree of a fetched bare mirror to a directory, blob by blob.

``git archive`` stops at the first blob a partial mirror lacks (the snapshots omit large images and data
files), so every blob of ``git ls-tree -r <commit>`` is asked of ``git cat-file --batch`` and the ones the
mirror holds are written; the ones it lacks are counted. Symlinks and submodules are skipped.

    python benchmarks/extract_repo_tree.py /work/.mirror/kserve+kserve/repo /tmp/s8trees/kserve+kserve
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path, PurePosixPath


def extract(git_dir: Path, out: Path, commit: str = "HEAD") -> tuple[int, int]:
    """Write every blob of ``commit`` the mirror holds under ``out``; return (written, missing)."""
    listing = subprocess.run(["git", "--git-dir", str(git_dir), "ls-tree", "-r", "-z", commit],
                             check=True, capture_output=True).stdout
    entries: list[tuple[str, str]] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        if kind != "blob" or mode == "120000":
            continue
        path = PurePosixPath(name.decode("utf-8", "surrogateescape"))
        if path.is_absolute() or ".." in path.parts:
            continue
        entries.append((sha, str(path)))
    batch = subprocess.Popen(["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert batch.stdin is not None and batch.stdout is not None
    written = missing = 0
    for sha, name in entries:
        batch.stdin.write(sha.encode() + b"\n")
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            missing += 1
            continue
        data = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)  # the newline after the object
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written += 1
    batch.stdin.close()
    batch.wait()
    return written, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("git_dir", type=Path, help="bare mirror, e.g. /work/.mirror/owner+name/repo")
    parser.add_argument("out", type=Path, help="directory to write (must not exist)")
    parser.add_argument("--commit", default="HEAD")
    args = parser.parse_args(argv)
    if args.out.exists():
        print(f"{args.out} exists; remove it first", file=sys.stderr)
        return 2
    written, missing = extract(args.git_dir, args.out, args.commit)
    print(f"{args.out}: {written} files written, {missing} blobs absent from the mirror")
    return 0


if __name__ == "__main__":
    sys.exit(main())
