"""Hostile files: whatever lands in the folder, loading explains it and never crashes or hangs.

The files are generated here (bombs, bad encodings, links, FIFOs...). Every load runs in a
subprocess with a generous timeout, so a segfault in a native parser or a blocking open
fails the test instead of taking pytest down with it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

TIMEOUT = 180  # seconds; generous on a loaded 2-core machine, a hang still fails

LOADER = r"""
import json, sys
from pathlib import Path
from core.document import load_corpus, thaw

corpus = load_corpus([Path(sys.argv[1])])
rows = []
for article in corpus.articles:
    rows.append({
        "relpath": article.relpath,
        "kind": article.kind,
        "bom": article.bom,
        "problems": [p.as_dict() for p in article.problems],
        "meta": thaw(article.meta) if article.meta is not None else None,
    })
sys.stdout.write(json.dumps(rows, default=repr))
"""

FRONT = b"---\ntitle: Hostile file\n"


@dataclass
class Case:
    """One hostile file and what loading it must give."""

    name: str
    content: bytes | None = None  # None: ``make`` creates the entry
    expect: str = "problem"  # "loads", "problem" or "either" (loads or a problem, no crash)
    codes: tuple[str, ...] = ()  # for "problem": one of these codes must be reported
    meta: dict[str, Any] = field(default_factory=dict)  # for "loads": these values
    make: Callable[[Path, Path], None] | None = None  # (corpus root, outside folder)


def fm(yaml: str | bytes, body: str = "Body text.\n") -> bytes:
    data = yaml.encode() if isinstance(yaml, str) else yaml
    return b"---\n" + data + (b"" if data.endswith(b"\n") or not data else b"\n") + b"---\n" + body.encode()


def _billion_laughs(levels: int, width: int) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def _staircase_map(levels: int) -> str:
    return "".join(" " * i + "a:\n" for i in range(levels)) + " " * levels + "b: 1\n"


def _staircase_seq(levels: int) -> str:
    return "".join(" " * (2 * i) + "-\n" for i in range(levels)) + " " * (2 * levels) + "x\n"


def _fifo(root: Path, outside: Path) -> None:
    os.mkfifo(root / "fifo.md")


def _socket(root: Path, outside: Path) -> None:
    path = root / "sock.md"
    if len(os.fsencode(path)) > 100:  # AF_UNIX paths are short
        short = Path("/tmp") / f"cd-hostile-{os.getpid()}.md"
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(short))
        sock.close()
        os.rename(short, path)
        return
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.close()


def _directory(root: Path, outside: Path) -> None:
    (root / "directory.md").mkdir()
    (root / "directory.md" / "inner.md").write_bytes(fm("title: inside a folder named like an article"))


def _unreadable(root: Path, outside: Path) -> None:
    path = root / "unreadable.md"
    path.write_bytes(fm("title: locked away"))
    path.chmod(0)


def _link_inside(root: Path, outside: Path) -> None:
    (root / "target_inside.txt").write_bytes(fm("title: linked target"))
    (root / "link_inside.md").symlink_to("target_inside.txt")


def _link_outside(root: Path, outside: Path) -> None:
    (outside / "secret.md").write_bytes(fm("title: secret outside the folder"))
    (root / "link_outside.md").symlink_to(outside / "secret.md")


def _link_outside_relative(root: Path, outside: Path) -> None:
    (root / "link_outside_relative.md").symlink_to(Path("..") / outside.name / "secret.md")


def _link_dir_outside(root: Path, outside: Path) -> None:
    (outside / "dir").mkdir()
    (outside / "dir" / "leak.md").write_bytes(fm("title: leak"))
    (root / "linked_dir.md").symlink_to(outside / "dir")
    (root / "linked_plain_dir").symlink_to(outside / "dir")


def _broken_link(root: Path, outside: Path) -> None:
    (root / "broken_link.md").symlink_to(root / "does-not-exist.md")


def _link_loop(root: Path, outside: Path) -> None:
    (root / "loop.md").symlink_to("loop.md")


def _bad_name(root: Path, outside: Path) -> None:
    name = os.fsencode(root) + b"/bad-name-\xff.md"
    with open(name, "wb") as handle:
        handle.write(fm("title: a file name that is not UTF-8"))


def _deep_folders(root: Path, outside: Path) -> None:
    folder = root.joinpath(*["deep"] * 100)
    folder.mkdir(parents=True)
    (folder / "bottom.md").write_bytes(fm("title: a hundred folders down"))
    (root / "deep.md").write_bytes(fm("title: beside the deep folders"))


def _huge_file(root: Path, outside: Path) -> None:
    with open(root / "huge_file.md", "wb") as handle:
        handle.write(FRONT + b"---\n")
        handle.truncate(11 * 1024 * 1024)  # sparse: over the 10 MB default cap


BOM = b"\xef\xbb\xbf"

CASES: list[Case] = [
    # bombs
    Case("alias_bomb.md", fm(_billion_laughs(10, 10)), codes=("CD108",)),
    Case("alias_bomb_narrow.md", fm(_billion_laughs(9, 9)), codes=("CD108",)),
    Case("many_aliases.md", fm("a: &a x\nb: [" + ", ".join(["*a"] * 150) + "]\n"), codes=("CD108",)),
    Case("deep_flow_seq.md", fm("a: " + "[" * 100_000), codes=("CD108",)),
    Case("deep_flow_map.md", fm("a: " + "{a: " * 50_000), codes=("CD108",)),
    Case("deep_block_map.md", fm(_staircase_map(80)), codes=("CD108",)),
    Case("deep_block_seq.md", fm(_staircase_seq(80)), codes=("CD108",)),
    Case("deep_compact_seq.md", fm("a:\n" + "- " * 30_000 + "x\n"), codes=("CD108",)),
    Case("deep_compact_seq_top.md", fm("- " * 30_000 + "x\n"), codes=("CD108",)),
    Case("deep_compact_keys.md", fm("? " * 30_000 + "x\n"), codes=("CD108",)),
    Case("deep_compact_values.md", fm("? a\n: " + "? " * 30_000 + "x\n"), codes=("CD108",)),
    Case("deep_compact_colons.md", fm(": " * 30_000 + "\n"), codes=("CD108",)),
    Case("deep_compact_after_quote.md", fm("- x '\n- " + "- " * 30_000 + "x\n"), codes=("CD108",)),
    Case("deep_mixed.md", fm("a:\n  - " + "[" * 45 + "]" * 45 + "\n" + _staircase_map(40)), expect="either"),
    # the pre-scan looks for long leads after LF first; other line breaks take the exact path
    Case("deep_block_seq_cr.md", fm(_staircase_seq(80).replace("\n", "\r")).replace(b"\n", b"\r"), codes=("CD108",)),
    Case("deep_block_map_crlf.md", fm(_staircase_map(80).replace("\n", "\r\n")), codes=("CD108",)),
    Case("deep_after_next_line.md", fm("a: x\x85" + "\x85".join(" " * i + "b:" for i in range(80)) + "\n"), expect="either"),
    Case("deep_after_line_separator.md", fm("a: x\u2028" + "\u2028".join(" " * i + "b:" for i in range(80)) + "\n"), expect="either"),
    Case("nesting_at_limit.md", fm(_staircase_map(20)), expect="loads"),
    Case("huge_scalar.md", fm("title: " + "x" * 200_000), expect="loads", meta={"title": "x" * 200_000}),
    Case("huge_front_matter.md", fm("".join(f"k{i}: {'v' * 90}\n" for i in range(12_000))), codes=("CD108",)),
    Case("huge_file.md", make=_huge_file, codes=("CD107",)),
    Case("huge_integer.md", fm("n: " + "9" * 5000), codes=("CD108",)),
    # tags and YAML features
    Case(
        "python_tag.md",
        fm("title: !!python/object/apply:os.system ['touch PWNED']\n"),
        expect="either",
    ),
    Case("python_name_tag.md", fm("title: !!python/name:os.system\n"), expect="either"),
    Case("unknown_tag.md", fm("title: !shout hello\n"), expect="loads", meta={"title": "hello"}),
    Case("binary_tag.md", fm("data: !!binary aGVsbG8=\n"), expect="either"),
    Case("set_tag.md", fm("tags: !!set {a, b}\n"), codes=("CD103",)),
    Case("complex_key.md", fm("? [a, b]\n: value\n"), codes=("CD103",)),
    Case("mapping_key.md", fm("{a: 1}: value\n"), codes=("CD103",)),
    Case("template_syntax.md", fm("title: {{ .Title }}\n"), codes=("CD103",)),
    Case("merge_keys.md", fm("base: &b {x: 1}\nsource:\n  <<: *b\n  name: N\n"), expect="either"),
    Case("undefined_alias.md", fm("title: *nowhere\n"), codes=("CD103",)),
    Case("anchors_ok.md", fm("a: &x 1\nb: *x\n"), expect="loads", meta={"a": 1, "b": 1}),
    Case("non_string_keys.md", fm("1: one\ntrue: yes\n~: null key\n1.5: float\n"), expect="either"),
    Case("null_key.md", fm("~: a value under a null key\ntitle: t\n"), expect="either"),
    Case("nan_inf.md", fm("score: .nan\nweight: -.inf\n"), expect="loads"),
    Case("duplicate_keys.md", fm("title: one\ntitle: two\n"), codes=("CD104",)),
    Case("duplicate_nested_keys.md", fm("source:\n  name: a\n  name: b\n"), codes=("CD104",)),
    Case("duplicate_null_keys.md", fm(": a\n: b\n"), codes=("CD104", "CD103")),
    Case("multi_document.md", fm("a: 1\n--- {b: 2}\n"), codes=("CD106", "CD103")),
    Case("tab_indent.md", fm("source:\n\tname: x\n"), codes=("CD103",)),
    Case("syntax_error.md", fm("title: [unclosed\nlang: en\n"), codes=("CD103",)),
    Case("list_front_matter.md", fm("- a\n- b\n"), codes=("CD106",)),
    Case("scalar_front_matter.md", fm("just a sentence\n"), codes=("CD106",)),
    Case("json_front_matter.md", fm('{"title": "JSON is YAML", "tags": ["A"]}\n'), expect="loads", meta={"title": "JSON is YAML", "tags": ["A"]}),
    Case("comments_only.md", fm("# nothing here\n"), expect="loads"),
    Case("empty_front_matter.md", b"---\n---\nBody.\n", expect="loads"),
    # encodings and characters
    Case("latin1.md", fm(b"title: caf\xe9\n"), codes=("CD105",)),
    Case("windows1252.md", fm(b"title: \x93quoted\x94\n"), codes=("CD105",)),
    Case("utf16.md", "---\ntitle: wide\n---\n".encode("utf-16"), codes=("CD105",)),
    Case("encoded_surrogate.md", fm(b"title: \xed\xa0\x80\n"), codes=("CD105",)),
    Case("overlong_utf8.md", fm(b"title: \xc0\xaf\n"), codes=("CD105",)),
    Case("bom.md", BOM + fm("title: with a BOM\n"), expect="loads", meta={"title": "with a BOM"}),
    Case("bom_latin1.md", BOM + fm(b"title: caf\xe9\n"), codes=("CD105",)),
    Case("double_bom.md", BOM + BOM + fm("title: two BOMs\n"), expect="either"),
    Case("nul_in_front_matter.md", fm(b"title: a\n\x00\nlang: en\n"), codes=("CD103",)),
    Case("nul_in_value.md", fm(b"title: a\x00b\nlang: en\n"), codes=("CD103",)),
    Case("nul_in_body.md", fm("title: clean\n", body="text\x00more\n"), expect="loads", meta={"title": "clean"}),
    Case("terminal_escape.md", fm("title: \x1b]0;pwned\x07\x1b[2J\n"), codes=("CD103",)),
    Case("escaped_escape.md", fm('title: "\\e[31mred"\n'), expect="loads", meta={"title": "\x1b[31mred"}),
    Case("c1_control.md", fm("title: a\x85b\x9bc\n"), codes=("CD103",)),
    Case("delete_char.md", fm("title: a\x7fb\n"), codes=("CD103",)),
    Case("noncharacter.md", fm("title: a\ufffeb\n"), codes=("CD103",)),
    Case("bidi_override.md", fm("title: abc\u202edef\n"), expect="loads"),
    Case("line_separator.md", fm("title: a\u2028b\n"), expect="loads"),
    # fences
    Case("unclosed.md", b"---\ntitle: never closed\n\nBody.\n", codes=("CD102",)),
    Case("only_fence.md", b"---", codes=("CD102",)),
    Case("only_fence_newline.md", b"---\n", codes=("CD102",)),
    Case("dashes_in_block_scalar.md", fm("description: |\n  ---\n  still the description\ntitle: after\n"), expect="loads", meta={"description": "---\nstill the description\n", "title": "after"}),
    Case("dashes_in_body.md", fm("title: t\n", body="Intro\n---\nmore\n---\n"), expect="loads", meta={"title": "t"}),
    Case("dots_close.md", b"---\ntitle: closed by dots\n...\nBody.\n", expect="loads", meta={"title": "closed by dots"}),
    Case("fence_with_spaces.md", b"---  \ntitle: spaces\n---   \nBody.\n", expect="loads", meta={"title": "spaces"}),
    Case("crlf.md", b"---\r\ntitle: crlf\r\n---\r\nBody.\r\n", expect="loads", meta={"title": "crlf"}),
    Case("cr_only.md", b"---\rtitle: cr\r---\rBody.\r", expect="loads", meta={"title": "cr"}),
    Case("mixed_newlines.md", b"---\ntitle: mixed\r\nlang: en\r---\nBody.\n", expect="loads", meta={"title": "mixed", "lang": "en"}),
    Case("no_final_newline.md", b"---\ntitle: t\n---", expect="loads", meta={"title": "t"}),
    Case("body_starts_with_brace.md", b'{{< figure src="a.png" >}}\nBody.\n', codes=("CD101",)),
    Case("json_object_then_prose.md", b'{"title": "not front matter"} says the body\n', codes=("CD101",)),
    Case("json_front_matter.md", b'{\n"title": "json"\n}\nBody.\n', expect="loads", meta={"title": "json"}),
    Case("toml_front_matter.md", b'+++\ntitle = "toml"\n+++\nBody.\n', expect="loads", meta={"title": "toml"}),
    Case("toml_duplicate_key.md", b'+++\ntitle = "a"\ntitle = "b"\n+++\nBody.\n', codes=("CD104",)),
    Case("json_duplicate_key.md", b'{"title": "a", "title": "b"}\nBody.\n', codes=("CD104",)),
    Case("toml_escape_in_string.md", b'+++\ntitle = "\x1b]52;c;aGk=\x07"\n+++\nBody.\n', codes=("CD103",)),
    Case("raw.md", b"Just scraped text.\n", codes=("CD101",)),
    Case("empty.md", b"", codes=("CD101",)),
    Case("whitespace_only.md", b"  \n\n", codes=("CD101",)),
    # the file system
    Case("fifo.md", make=_fifo, codes=("CD107",)),
    Case("sock.md", make=_socket, codes=("CD107",)),
    Case("directory.md", make=_directory, codes=("CD107",)),
    Case("link_inside.md", make=_link_inside, codes=("CD107",)),
    Case("link_outside.md", make=_link_outside, codes=("CD107",)),
    Case("link_outside_relative.md", make=_link_outside_relative, codes=("CD107",)),
    Case("linked_dir.md", make=_link_dir_outside, codes=("CD107",)),
    Case("broken_link.md", make=_broken_link, codes=("CD107",)),
    Case("loop.md", make=_link_loop, codes=("CD107",)),
    Case(os.fsdecode(b"bad-name-\xff.md"), make=_bad_name, expect="loads"),
    Case("name with spaces & ünïcödé.md", fm("title: odd name\n"), expect="loads", meta={"title": "odd name"}),
    Case("deep.md", make=_deep_folders, expect="loads", meta={"title": "beside the deep folders"}),
    Case("/".join(["deep"] * 100) + "/bottom.md", expect="loads", meta={"title": "a hundred folders down"}),
    Case("-dash-first.md", fm("title: looks like an option\n"), expect="loads"),
]

RUNNING_AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
# root reads a chmod 000 file anyway: then it must simply load.
CASES.append(Case("unreadable.md", make=_unreadable, expect="loads" if RUNNING_AS_ROOT else "problem", codes=("CD107",)))


def build_folder(base: Path) -> tuple[Path, Path]:
    root = base / "corpus"
    outside = base / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "copydesk.toml").write_text("")
    (outside / "secret.md").write_bytes(fm("title: secret outside the folder"))
    for case in CASES:
        if case.make is not None:
            case.make(root, outside)
        elif "/" in case.name:
            continue  # made by another case
        else:
            (root / case.name).write_bytes(case.content or b"")
    return root, outside


def load_in_subprocess(root: Path) -> dict[str, dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, "-c", LOADER, str(root)],
        capture_output=True,
        timeout=TIMEOUT,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.returncode == 0, f"loader died (exit {proc.returncode}): {proc.stderr.decode(errors='replace')[-3000:]}"
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    return {row["relpath"]: row for row in json.loads(proc.stdout)}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory):
    root, outside = build_folder(tmp_path_factory.mktemp("hostile"))
    yield root, outside, load_in_subprocess(root)
    # let pytest remove the tree
    (root / "unreadable.md").chmod(0o644)


def _check(case: Case, row: dict[str, Any] | None) -> str | None:
    """What is wrong with the loaded ``row`` for ``case`` (None when it is right)."""
    if row is None:
        return "not loaded at all (missing from the folder listing)"
    codes = [p["code"] for p in row["problems"]]
    for p in row["problems"]:
        if not p["message"] or "Traceback" in p["message"]:
            return f"unhelpful message {p['message']!r}"
    structural = [c for c in codes if c.startswith("CD1") and c != "CD109"]
    if case.expect == "loads":
        if row["kind"] != "front-matter" or row["meta"] is None:
            return f"expected to load, got kind {row['kind']} with {codes}"
        if structural:
            return f"expected to load cleanly, got {structural}"
        for key, value in case.meta.items():
            if row["meta"].get(key) != value:
                return f"{key} is {str(row['meta'].get(key))[:80]!r}, expected {str(value)[:80]!r}"
    elif case.expect == "problem":
        if not any(c in case.codes for c in codes):
            return f"expected one of {case.codes}, got kind {row['kind']} with {codes}"
        if row["kind"] == "front-matter" and row["meta"] is not None and case.codes[0] != "CD104":
            return "has the expected problem but was still loaded as clean front matter"
    else:
        loaded = row["kind"] == "front-matter" and row["meta"] is not None and not structural
        if not loaded and not structural:
            return f"neither loaded nor given a structure problem: kind {row['kind']} with {codes}"
    return None


def test_every_hostile_file_loads_or_gets_a_problem(hostile) -> None:
    _, _, rows = hostile
    failures = {case.name: _check(case, rows.get(case.name)) for case in CASES}
    failures = {name: why for name, why in failures.items() if why}
    assert not failures, "\n".join(f"{name}: {why}" for name, why in failures.items())
    assert len(CASES) >= 85


def test_nothing_outside_the_folder_is_read(hostile) -> None:
    _, _, rows = hostile
    for name, row in rows.items():
        assert "secret outside" not in json.dumps(row["meta"]), f"{name} exposed a file outside the folder"
        assert "leak" not in json.dumps(row["meta"]), f"{name} exposed a file outside the folder"
    assert not any(name.startswith("linked_plain_dir/") for name in rows), "followed a linked folder"
    messages = {p["message"] for p in rows["link_outside.md"]["problems"]}
    assert any("outside the folder" in m for m in messages), messages


def test_python_tags_are_never_executed(hostile) -> None:
    root, _, rows = hostile
    assert not (root / "PWNED").exists()
    assert not Path("PWNED").exists()
    row = rows["python_tag.md"]
    assert row["meta"] is None or "os.system" not in json.dumps(row["meta"])


def test_problem_lines_point_into_the_file(hostile) -> None:
    _, _, rows = hostile
    nul = [p for p in rows["nul_in_front_matter.md"]["problems"] if p["code"] == "CD103"]
    assert nul and nul[0]["line"] == 3, nul  # line 1 is the fence, the NUL is on line 3
    latin = [p for p in rows["latin1.md"]["problems"] if p["code"] == "CD105"]
    assert latin and latin[0]["line"] == 2, latin
    duplicate = [p for p in rows["duplicate_keys.md"]["problems"] if p["code"] == "CD104"]
    assert duplicate and duplicate[0]["line"] == 3, duplicate
    deep = [p for p in rows["deep_block_map.md"]["problems"] if p["code"] == "CD108"]
    assert deep and 2 <= deep[0]["line"] <= 83, deep


def test_links_inside_the_folder_load_when_allowed(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "copydesk.toml").write_text("follow-symlinks = true\n")
    _link_inside(root, outside)
    _link_outside(root, outside)
    os.mkfifo(root / "fifo_target")
    (root / "link_to_fifo.md").symlink_to("fifo_target")
    rows = load_in_subprocess(root)
    assert "a FIFO" in rows["link_to_fifo.md"]["problems"][0]["message"]
    assert rows["link_inside.md"]["meta"] == {"title": "linked target"}
    assert rows["link_outside.md"]["meta"] is None
    assert [p["code"] for p in rows["link_outside.md"]["problems"]] == ["CD107"]


def test_explicit_paths_through_a_linked_folder_are_refused(tmp_path: Path) -> None:
    """Naming a file inside a linked folder that leads out of the corpus, even with the
    corpus itself opened through a link, neither reads nor writes it."""
    root = tmp_path / "corpus"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "copydesk.toml").write_text("")
    _link_dir_outside(root, outside)
    (tmp_path / "via-link").symlink_to(root)
    leak = outside / "dir" / "leak.md"
    before = leak.read_bytes()
    for base in (root, tmp_path / "via-link"):
        target = base / "linked_plain_dir" / "leak.md"
        proc = _cli("check", "--format", "json", str(target), cwd=tmp_path)
        assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
        codes = {item["code"] for item in json.loads(proc.stdout)}
        assert "CD107" in codes, (base, proc.stdout)
        proc = _cli("set", str(target), "title=Overwritten", cwd=tmp_path)
        assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
        assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert leak.read_bytes() == before


def test_limits_come_from_the_configuration(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "copydesk.toml").write_text(
        "[limits]\nmax-file-bytes = 2000\nmax-front-matter-bytes = 500\nmax-depth = 3\nmax-aliases = 2\n"
    )
    (root / "big.md").write_bytes(fm("title: " + "x" * 3000))
    (root / "fm.md").write_bytes(fm("title: " + "x" * 600))
    (root / "deep.md").write_bytes(fm(_staircase_map(4)))
    (root / "aliases.md").write_bytes(fm("a: &a x\nb: [*a, *a, *a]\n"))
    (root / "fine.md").write_bytes(fm("a: &a x\nb: [*a, *a]\nc:\n  d:\n    e: 1\n"))
    rows = load_in_subprocess(root)
    assert [p["code"] for p in rows["big.md"]["problems"]] == ["CD107"]
    for name in ("fm.md", "deep.md", "aliases.md"):
        assert "CD108" in [p["code"] for p in rows[name]["problems"]], (name, rows[name])
    assert rows["fine.md"]["meta"] == {"a": "x", "b": ["x", "x"], "c": {"d": {"e": 1}}}


def test_thousands_of_keys_load(tmp_path: Path) -> None:
    """A front matter under every limit but with 5,000 keys loads (no per-key rescans of
    the whole text: quadratic work would make this a hang)."""
    (tmp_path / "copydesk.toml").write_text("")
    (tmp_path / "many_keys.md").write_bytes(fm("".join(f"key{i}: {i}\n" for i in range(5_000))))
    rows = load_in_subprocess(tmp_path)
    assert rows["many_keys.md"]["meta"]["key4999"] == 4999


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "core.cli.main", *args],
        capture_output=True,
        timeout=TIMEOUT,
        cwd=cwd,
    )


def test_check_reports_every_hostile_file(hostile) -> None:
    root, _, _ = hostile
    proc = _cli("check", "--format", "json", str(root), cwd=root.parent)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")[-3000:]
    assert proc.returncode == 1, (proc.returncode, proc.stderr.decode(errors="replace")[-2000:])
    reported: dict[str, set[str]] = {}
    # A file name that is not UTF-8 comes back as its raw bytes.
    for item in json.loads(proc.stdout.decode("utf-8", "surrogateescape")):
        reported.setdefault(Path(item["path"]).name, set()).add(item["code"])
    missing = [
        case.name
        for case in CASES
        if case.expect == "problem" and not reported.get(Path(case.name).name, set()) & set(case.codes)
    ]
    assert not missing, f"check did not report: {missing}"


READ_COMMANDS = [
    ["check"],
    ["check", "--format", "github"],
    ["check", "--statistics"],
    ["list"],
    ["list", "--format", "json"],
    ["list", "--format", "paths"],
    ["list", "--where", "is:invalid", "--sort", "-title"],
    ["list", "--where", "code:CD1"],
    ["tags"],
    ["tag", "--add", "HOSTILE", "--dry-run"],
    ["set", "--dry-run", "draft=true"],
    ["init", "--dry-run"],
]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_commands_never_crash_on_hostile_files(hostile, command: list[str]) -> None:
    root, _, _ = hostile
    before = _snapshot(root)
    proc = _cli(*command, str(root), cwd=root.parent)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")[-3000:]
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr.decode(errors="replace")[-2000:])
    assert _snapshot(root) == before, "a read-only command changed files"


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every readable file's bytes, except the index cache and the ``.gitignore`` its folder
    gets when the cache creates it (``check`` may write its own cache; that is not a change
    to anyone's files: which test of a worker reads the folder first decides when it comes)."""
    files = {}
    cache = root / ".copydesk" / "index"
    for path in root.rglob("*"):
        if path.is_relative_to(cache) or path == root / ".copydesk" / ".gitignore":
            continue
        if path.is_file() and not path.is_symlink() and os.access(path, os.R_OK):
            files[str(path)] = path.read_bytes()
    return files


@pytest.mark.parametrize("command", [["list"], ["check"], ["tags"], ["tag", "--add", "X", "--dry-run"]], ids=" ".join)
def test_text_output_never_carries_terminal_escapes(hostile, command: list[str]) -> None:
    """A title such as "\\e]0;pwned\\a" (valid YAML) must not reach the terminal as an
    escape sequence: it could retitle, recolour or clear the user's terminal."""
    root, _, _ = hostile
    proc = _cli(*command, str(root), cwd=root.parent)
    assert proc.returncode in (0, 1), proc.stderr.decode(errors="replace")[-2000:]
    for stream in (proc.stdout, proc.stderr):
        assert b"\x1b" not in stream and b"\xc2\x9b" not in stream, stream[stream.find(b"\x1b") - 80 :][:200]


TUI_WALK = r"""
import asyncio, sys
from pathlib import Path
from core.config import load_config
from tui.app import CopydeskApp

async def settle(pilot, app):
    from textual.worker import WorkerCancelled

    for _ in range(3):
        await pilot.pause()
        for _ in range(50):  # a worker the app cancels and starts again: wait for the rest
            try:
                await app.workers.wait_for_complete()
                break
            except WorkerCancelled:
                continue

async def main():
    root = Path(sys.argv[1])
    app = CopydeskApp(root.resolve(), load_config(root))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        shown = app.main_screen.list.shown
        for _ in range(shown):  # every row: the reader and the editor show that file
            await pilot.press("down")
            await settle(pilot, app)
        print("rows", shown)

asyncio.run(main())
"""


def test_tui_shows_every_hostile_file(hostile) -> None:
    root, _, rows = hostile
    proc = subprocess.run(
        [sys.executable, "-c", TUI_WALK, str(root)],
        capture_output=True,
        timeout=TIMEOUT * 2,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")[-3000:]
    assert proc.stdout.split() == [b"rows", str(len(rows)).encode()]


def test_write_commands_leave_bad_files_alone(tmp_path: Path) -> None:
    root, outside = build_folder(tmp_path)
    before = _snapshot(root)
    outside_before = _snapshot(outside)
    for command in (["tag", "--add", "HOSTILE"], ["set", "draft=true"], ["check", "--fix"]):
        proc = _cli(*command, str(root), cwd=tmp_path)
        assert b"Traceback" not in proc.stderr, (command, proc.stderr.decode(errors="replace")[-3000:])
        assert proc.returncode in (0, 1), (command, proc.returncode, proc.stderr.decode(errors="replace")[-2000:])
    after = _snapshot(root)
    assert _snapshot(outside) == outside_before, "a file outside the folder was written"
    untouched = [c.name for c in CASES if c.expect == "problem" and c.content is not None]
    changed = [name for name in untouched if before[str(root / name)] != after[str(root / name)]]
    assert not changed, f"files with problems were rewritten: {changed}"
    rows = load_in_subprocess(root)
    edited = [name for name, row in rows.items() if row["meta"] and "HOSTILE" in (row["meta"].get("tags") or [])]
    assert "bom.md" in edited and "crlf.md" in edited, edited
    for name in edited:
        raw = after[str(root / name)]
        assert raw.startswith(BOM) == before[str(root / name)].startswith(BOM), name
    (root / "unreadable.md").chmod(0o644)


def test_pre_scan_shortcuts_agree_with_the_exact_tests() -> None:
    """The pre-scan reads line breaks and forbidden characters from the few bytes it keeps
    of the UTF-8 form: it must answer as the exact tests on the text do."""
    import random

    from core.text.guard import _FORBIDDEN, _NO_SIGN_OF_FORBIDDEN, _UNINTERESTING, _has_long_lead

    rng = random.Random(11)
    pieces = [" ", " ", "  ", "\t", "-", "- ", "?", ":", "a", "key: value", "\n", "\n", "\r", "\r\n",
              "\x85", "\u2028", "\u2029", "é", "…", "’", "©", "\xa0", "\u00a8", "\u0129", "\u0169",
              "[", "{", "*", "\x07", "\x9f", "\ufffe", "\ud800"]  # fmt: skip
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        data = text.encode("utf-8", "surrogatepass")
        kept = data.translate(None, _UNINTERESTING)
        assert bool(kept.translate(None, _NO_SIGN_OF_FORBIDDEN)) or _FORBIDDEN.search(text) is None, repr(text)
        if _FORBIDDEN.search(text):
            continue  # refused before the lead is looked at
        length = rng.randint(1, 4)
        exact = max(len(line) - len(line.lstrip(" \t-?:")) for line in text.splitlines() or [""]) >= length
        assert _has_long_lead(text, data, kept, length) == exact, repr(text)
