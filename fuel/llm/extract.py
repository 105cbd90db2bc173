"""From a model's reply to a loaded program, or one reason why not.

Models are asked for one fenced Python block, and often do something else: prose
before and after, several blocks (the model in one, the inputs in the next, a usage
example last), an unterminated fence when the reply hit its token limit, or bare code
with a sentence at the end. :func:`candidates` lists the texts that might be the
program, most plausible first; :func:`extract` returns the first that passes the
loader and its static check. Nothing here executes anything: the loader reads syntax
trees only, and the campaign runs what comes back in the sandbox like any program.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import replace

from fuel.errors import Rejected
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


def extract(reply: str, template: Program) -> ProgramSpec:
    """The first candidate in ``reply`` that loads, as ``template`` with that source."""
    texts = candidates(reply)
    if not texts:
        raise Rejected("the reply holds no code")
    reasons: list[str] = []
    for text in texts:
        try:
            return load_program(replace(template, source=text))
        except Rejected as rejected:
            reasons.append(rejected.reason)
    raise Rejected(reasons[0])


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
    return list(dict.fromkeys(found))


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
            ast.parse(text)
            return text
        except SyntaxError as exc:
            bad = min(exc.lineno or len(body), len(body)) - 1
            if bad <= 0 or body[bad][:1].isspace():
                return text  # a real syntax error inside the code: let the loader say so
            body = body[:bad]
    return tidy("\n".join(body))
