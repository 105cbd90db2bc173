"""Reading a file the user names: the text of a regular file, decoded as Python decodes
it, or one line saying why not, and never a read without end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fuel.errors import Rejected
from fuel.program import load_program, read_program
from fuel.program.reading import read_text

LATIN_1 = (
    b"# -*- coding: latin-1 -*-\nimport torch\n\n\nclass Model(torch.nn.Module):\n"
    b"    def forward(self, x):\n        return x + len('\xe9t\xe9')\n\n\n"
    b"def make_inputs():\n    return (torch.randn(2),)\n"
)


def refusal(path: Path, limit_bytes: int = 1000, python: bool = True) -> str:
    with pytest.raises(Rejected) as refused:
        read_text(path, limit_bytes, python=python)
    return refused.value.reason


def test_a_pep_263_latin_1_program_reads_as_python_reads_it(tmp_path: Path) -> None:
    """Defect 12: a valid latin-1 file with its coding line was a UnicodeDecodeError."""
    path = tmp_path / "latin.py"
    path.write_bytes(LATIN_1)
    program = read_program(path)
    assert "len('été')" in program.source
    assert program.source.startswith("# -*- coding: utf-8 -*-\n")  # as fuel writes it
    load_program(program)
    copy = tmp_path / "copy.py"  # written in UTF-8, as fuel writes every program
    copy.write_text(program.source, encoding="utf-8")
    ran = subprocess.run([sys.executable, "-c", f"exec(open({str(copy)!r}, 'rb').read())"],
                         capture_output=True, text=True)  # fmt: skip
    assert ran.returncode == 0, ran.stderr


def test_a_utf_8_program_is_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "plain.py"
    text = "# coding: utf-8\nx = 'é'\r\ny = 1\n"
    path.write_bytes(text.encode())
    assert read_text(path, 1000, python=True) == text.replace("\r\n", "\n")


def test_binary_is_refused_with_where_it_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "b.py"
    path.write_bytes(b"x = 1\n\xff\xfe\x00\x81")
    assert "not utf-8 text (byte 0xff at offset 6" in refusal(path)
    assert "not utf-8 text" in refusal(path, python=False)


def test_a_file_over_the_limit_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "big.py"
    path.write_bytes(b"#" * 1001)
    assert refusal(path) == "larger than 1,000 bytes"
    assert read_text(path, 1001) == "#" * 1001


@pytest.mark.parametrize("kind", ["FIFO", "directory", "device"])
def test_what_is_not_a_regular_file_is_refused_before_a_byte_is_read(
    kind: str, tmp_path: Path
) -> None:
    """Defect 9: /dev/zero read without bound; a FIFO with no writer blocked forever."""
    path = {"FIFO": tmp_path / "f", "directory": tmp_path, "device": Path("/dev/zero")}[kind]
    if kind == "FIFO":
        os.mkfifo(path)
    expected = {"FIFO": "a FIFO", "directory": "a directory", "device": "a character device"}
    assert refusal(path) == f"{expected[kind]}, not a regular file"


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    assert refusal(tmp_path / "nowhere.py") == "no such file or directory"
    with pytest.raises(Rejected, match=r"cannot read .*nowhere\.py: no such file"):
        read_program(tmp_path / "nowhere.py")
