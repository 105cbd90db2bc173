"""Known issues: bugs already reported upstream, counted but not reported again.

``--known-issues FILE`` names a plain text file, one rule per line::

    # blank lines and lines starting with '#' are ignored
    3fa2b1c9d0e1                                  a signature id (bugs/<id>/)
    signature: compile_crash|AssertionError|*     a glob over the signature text
    message: Unsupported: .*sym_size              a regular expression searched in the
                                                  verdict's detail and crash message

A bug matching a rule is counted (``bugs.count``, ``tests.outcome = 'bug'``) and its
signature row carries the rule, but it gets no directory, no line in
``bug_reports.txt`` and no bug processing. Rules are data, so the code holds no
list of known bugs.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from fuel.errors import UsageError
from fuel.judge.verdict import Verdict

SIGNATURE_ID = re.compile(r"^[0-9a-f]{12}$")


@dataclass(frozen=True, slots=True)
class Rule:
    text: str  # the line as written: what the store records as the match
    signature_id: str = ""
    signature_glob: str = ""
    message: re.Pattern[str] | None = None

    def matches(self, signature: str, signature_id: str, verdict: Verdict) -> bool:
        if self.signature_id:
            return self.signature_id == signature_id
        if self.signature_glob:
            return fnmatch.fnmatchcase(signature, self.signature_glob)
        if self.message is not None:
            crash = verdict.crash.message if verdict.crash else ""
            return bool(self.message.search(verdict.detail) or self.message.search(crash))
        return False


@dataclass(frozen=True, slots=True)
class KnownIssues:
    rules: tuple[Rule, ...] = ()

    def match(self, signature: str, signature_id: str, verdict: Verdict) -> str | None:
        """The first rule this bug matches (its text), or None."""
        for rule in self.rules:
            if rule.matches(signature, signature_id, verdict):
                return rule.text
        return None


def parse_rule(line: str) -> Rule:
    text = line.strip()
    if SIGNATURE_ID.match(text):
        return Rule(text, signature_id=text)
    key, sep, value = text.partition(":")
    value = value.strip()
    if sep and key.strip() == "signature" and value:
        return Rule(text, signature_glob=value)
    if sep and key.strip() == "message" and value:
        try:
            return Rule(text, message=re.compile(value))
        except re.error as error:
            raise ValueError(f"bad regular expression: {error}") from None
    raise ValueError("expected a 12-hex signature id, 'signature: GLOB' or 'message: REGEX'")


def parse_known_issues(text: str, origin: str = "known issues") -> KnownIssues:
    rules = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            rules.append(parse_rule(line))
        except ValueError as error:
            raise UsageError(f"{origin}:{number}: {error}") from None
    return KnownIssues(tuple(rules))


def load_known_issues(path: Path | None) -> KnownIssues:
    if path is None:
        return KnownIssues()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot read the known-issues file {path}: {error.strerror}") from None
    return parse_known_issues(text, str(path))
