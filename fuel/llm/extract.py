"""From a model's reply to a loaded program, or one reason why not.

Models are asked for one fenced Python block, and often do something else: prose
before and after, several blocks (the model in one, the inputs in the next, a usage
example last), an unterminated fence when the reply hit its token limit, or bare code
with a sentence at the end. :func:`candidates` lists the texts that might be the
program, most plausible first; :func:`extract` returns the first that passes the
loader and its static check. Nothing here executes anything: the loader reads syntax
trees only, and the campaign runs what comes back in the sandbox like any program.

What a small model (SmolLM2-135M) really wrote shaped two rules. It often ends a
complete program with a broken statement: an answer cut at ``max_tokens`` in a
runaway ``expand(1, 3, 3, 3, ...`` or a trailing half-written helper; so a candidate
that does not parse is also tried cut back to its last whole top-level statement
(:func:`whole_statements`). And asked to repair, it often writes the broken program
again: :func:`same_program` tells, ignoring layout and comments, so the caller stops
asking instead of paying for the same answer twice. A reply with no usable program
raises :class:`NoProgram`, which carries the text to show a repair request.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import replace

from fuel.errors import Rejected
from fuel.program import parsing
from fuel.program.loader import load_program
from fuel.program.record import Program, ProgramSpec

FENCE = re.compile(
    r"^[ \t]*(?P<fence>```|~~~)[ \t]*(?P<lang>[\w+.-]*)[^\n]*\n(?P<body>.*?)"
    r"(?:^[ \t]*(?P=fence)[ \t]*$|\Z)",
    re.MULTILINE | re.DOTALL,
)
PYTHON_TAGS = frozenset({"", "python", "python3", "py", "pytorch", "torch"})
CODE_START = re.compile(r"^(import |from \w|class \w|def \w|@\w|#)")
MODULE_CLASS = re.compile(r"^class \w+\(.*Module.*\):", re.MULTILINE)
MAX_TRIMS = 20  # trailing prose lines removed from unfenced code before giving up
TOP_LEVEL = re.compile(r"^(import |from \w|class \w|def \w|@\w|[A-Za-z_]\w*\s*[=(:\[.])")


class NoProgram(Rejected):
    """No candidate of a reply loads; ``shown`` is the text a repair request shows
    (empty when the reply holds no code at all: there is nothing to repair)."""

    def __init__(self, reason: str, shown: str) -> None:
        super().__init__(reason)
        self.shown = shown


def extract(reply: str, template: Program) -> ProgramSpec:
    """The first candidate in ``reply`` that loads, as ``template`` with that source.

    Raises :class:`NoProgram` with the first candidate's reason when none loads.
    """
    texts = candidates(reply)
    if not texts:
        raise NoProgram("the reply holds no code", "")
    reasons: list[str] = []
    for text in texts:
        try:
            return load_program(replace(template, source=text))
        except Rejected as rejected:
            reasons.append(rejected.reason)
    raise NoProgram(reasons[0], texts[0])


def same_program(one: str, other: str) -> bool:
    """Whether two sources are the same program, whatever their layout and comments."""
    try:
        return ast.dump(parsing.parse(one)) == ast.dump(parsing.parse(other))
    except (SyntaxError, ValueError):
        return " ".join(one.split()) == " ".join(other.split())


def candidates(reply: str) -> list[str]:
    """Texts that may be the program, most plausible first, without duplicates."""
    blocks = [
        (match.group("lang").lower(), tidy(match.group("body"))) for match in FENCE.finditer(reply)
    ]
    found: list[str] = []
    if blocks:
        python = [body for lang, body in blocks if lang in PYTHON_TAGS and body]
        found += [body for body in python if MODULE_CLASS.search(body)]
        if len(python) > 1:
            found.append(tidy("\n\n".join(python)))
        found += python
        found += [body for lang, body in blocks if lang not in PYTHON_TAGS and body]
    else:
        bare = unfenced_code(reply)
        if bare:
            found.append(bare)
    cut = [whole_statements(text) for text in found]
    found += [text for text in cut if text and MODULE_CLASS.search(text)]
    return list(dict.fromkeys(found))


def whole_statements(code: str) -> str:
    """``code`` cut back to the top-level statements before its first syntax error.

    "" when ``code`` parses (nothing to cut) or no whole statement is left.
    """
    lines = code.splitlines()
    try:
        parsing.parse(code)
        return ""
    except SyntaxError as exc:
        bad = min(exc.lineno or len(lines), len(lines)) - 1
    for _ in range(MAX_TRIMS):
        starts = [i for i in range(1, bad + 1) if TOP_LEVEL.match(lines[i])]
        if not starts:
            return ""
        text = tidy("\n".join(lines[: starts[-1]]))
        try:
            parsing.parse(text)
            return text
        except SyntaxError as exc:
            bad = min(exc.lineno or starts[-1], starts[-1]) - 1
    return ""


def tidy(code: str) -> str:
    code = textwrap.dedent(code).strip("\n")
    return f"{code}\n" if code else ""


def unfenced_code(reply: str) -> str:
    """Code written without a fence: from the first code-like line, minus trailing prose."""
    lines = reply.splitlines()
    start = next((i for i, line in enumerate(lines) if CODE_START.match(line)), None)
    if start is None:
        return ""
    body = lines[start:]
    for _ in range(MAX_TRIMS):
        text = tidy("\n".join(body))
        try:
            parsing.parse(text)
            return text
        except SyntaxError as exc:
            bad = min(exc.lineno or len(body), len(body)) - 1
            if bad <= 0 or body[bad][:1].isspace():
                return text  # a real syntax error inside the code: let the loader say so
            body = body[:bad]
    return tidy("\n".join(body))
