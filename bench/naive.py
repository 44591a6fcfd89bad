"""The naive peer the benchmarks measure copydesk beside: python-frontmatter's ``load`` of
every file, as a short script would do it.

    python -m bench.naive list FOLDER TAG SENTIMENT   # print the files with TAG and SENTIMENT
    python -m bench.naive tags FOLDER                 # count every tag
    python -m bench.naive tag FOLDER TAG              # add TAG to every file: load, then dump
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import frontmatter


def posts(root: Path):  # noqa: ANN201 - (path, post) pairs
    for path in sorted(root.rglob("*.md")):
        try:
            yield path, frontmatter.load(path)
        except Exception:  # noqa: BLE001, S112 - a broken file is skipped, as such a script would
            continue


def main(argv: list[str]) -> int:
    command, root = argv[0], Path(argv[1])
    if command == "list":
        tag, sentiment = argv[2], argv[3]
        found = 0
        for path, post in posts(root):
            tags = post.get("tags")
            if isinstance(tags, list) and tag in tags and post.get("sentiment") == sentiment:
                print(path)
                found += 1
        print(f"{found} articles", file=sys.stderr)
    elif command == "tags":
        counts: Counter[str] = Counter()
        for _, post in posts(root):
            tags = post.get("tags")
            if isinstance(tags, list):
                counts.update({str(t) for t in tags})
        for tag, count in counts.most_common():
            print(count, tag)
    elif command == "tag":
        tag, changed = argv[2], 0
        for path, post in posts(root):
            tags = post.get("tags")
            if tags is None:
                post["tags"] = tags = []
            if isinstance(tags, list) and tag not in tags:
                tags.append(tag)
                frontmatter.dump(post, path)  # its defaults: the whole front matter written again
                changed += 1
        print(f"{changed} articles changed", file=sys.stderr)
    else:
        print(f"unknown command {command!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
