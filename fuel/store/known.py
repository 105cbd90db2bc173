"""Known issues: bugs already reported upstream, counted but not reported again.

Two sources, one rule type. fuel ships ``fuel/known/*.yaml``: root causes already
filed in PyTorch's tracker, each matched by hand to the public issue, for the torch
versions it names (only the entries whose ``affects`` includes the installed torch
apply). ``--known-issues FILE`` adds a user's own, one rule per line::

    # blank lines and lines starting with '#' are ignored
    3fa2b1c9d0e1                                  a signature id (bugs/<id>/)
    signature: compile_crash|AssertionError|*     a glob over the signature text
    message: Unsupported: .*sym_size              a regular expression searched in the
                                                  verdict's detail and crash message
    class: dtype_mismatch|inductor|torch.any|*    a glob over a root-cause class's text
    component: eager_only_error|functionalization:*   a glob over a class's symptom and
                                                  the code it was traced to (kind|component)

In a class glob, the operators field (the third) is one pattern that *every* operator
of the class must match, ``*`` alone meaning any: ``*.any`` matches ``torch.any`` but not
``torch.any,torch.sum``. A reduction cut short by its time limit keeps operators that
have nothing to do with the bug, and a known operator among them must not lend its
label to a different bug; such a class is reported as new instead.

Signature, id and message rules apply when a test is recorded: such a bug is counted
(``bugs.count``) and carries the rule, but gets no directory, no report and no bug
processing. Class rules apply once a bug is reduced and its root-cause class is known:
the class is marked known, shown as such and not counted as new. Component rules are
class rules for umbrella issues, filed once per mechanism whatever the operator
(in-place ops that lose eager's dtype check, a decomposition several ops share): they
match the code torch's bisector traced the class to (``RootCause.component``, e.g.
``decomposition:torch/_decomp/decompositions.py:multi_margin_loss``), with the symptom
in front; a class traced to no code matches none. Rules are data, so the code holds no
list of known bugs.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fuel.errors import FuelError, Rejected, UsageError
from fuel.execute.targets import layer_also_known_as
from fuel.judge.signature import RootCause
from fuel.judge.verdict import Verdict
from fuel.program.reading import read_text

SIGNATURE_ID = re.compile(r"^[0-9a-f]{12}$")
SHIPPED = "fuel.known"  # the package holding the shipped files
SHIPPED_FORMAT = 1
MAX_RULES_BYTES = 1_000_000  # a rules file is a few lines; more is the wrong file


@dataclass(frozen=True, slots=True)
class Rule:
    text: str  # how the match is shown and stored: the line, or "known #NNNNN"
    signature_id: str = ""
    signature_glob: str = ""
    message: re.Pattern[str] | None = None
    class_glob: str = ""
    class_id: str = ""  # one root-cause class exactly (campaigns named by ``--seen``)
    component_glob: str = ""  # over "kind|component" of a class traced to torch's code

    def matches(self, signature: str, signature_id: str, verdict: Verdict) -> bool:
        if self.signature_id:
            return self.signature_id == signature_id
        if self.signature_glob:
            return fnmatch.fnmatchcase(signature, self.signature_glob)
        if self.message is not None:
            crash = verdict.crash.message if verdict.crash else ""
            return bool(self.message.search(verdict.detail) or self.message.search(crash))
        return False

    def matches_class(self, cause: RootCause) -> bool:
        if self.class_id:
            return cause.id == self.class_id
        if self.component_glob:
            traced = f"{cause.kind.value}|{cause.component}"
            return bool(cause.component) and fnmatch.fnmatchcase(traced, self.component_glob)
        if not self.class_glob or not fnmatch.fnmatchcase(cause.text, self.class_glob):
            return False
        fields = self.class_glob.split("|")
        operators = fields[2] if len(fields) > 2 else "*"
        return operators == "*" or all(fnmatch.fnmatchcase(op, operators) for op in cause.operators)


@dataclass(frozen=True, slots=True)
class KnownIssues:
    rules: tuple[Rule, ...] = ()

    def match(self, signature: str, signature_id: str, verdict: Verdict) -> str | None:
        """The first rule this bug matches when it is recorded (its text), or None."""
        for rule in self.rules:
            if rule.matches(signature, signature_id, verdict):
                return rule.text
        return None

    def match_class(self, cause: RootCause) -> str | None:
        """The first rule a root-cause class matches (its text), or None; a class of
        AOTInductor (layer ``aoti``) is also matched as the Inductor class it is."""
        return next((rule.text for form in forms_of(cause) for rule in self.rules
                     if rule.matches_class(form)), None)  # fmt: skip

    def __add__(self, other: KnownIssues) -> KnownIssues:
        return KnownIssues(self.rules + other.rules)


def forms_of(cause: RootCause) -> tuple[RootCause, ...]:
    """The class, and the class of the layer whose code it is in where its own layer is
    a target built on another's code (AOTInductor's, Inductor's). The target stays in
    the class's settings (target=aoti), which rules end with "*" to admit."""
    other = layer_also_known_as(cause.layer)
    return (cause, replace(cause, layer=other)) if other else (cause,)


def parse_rule(line: str) -> Rule:
    text = line.strip()
    if SIGNATURE_ID.match(text):
        return Rule(text, signature_id=text)
    key, sep, value = text.partition(":")
    key, value = key.strip(), value.strip()
    if sep and key == "signature" and value:
        return Rule(text, signature_glob=value)
    if sep and key == "class" and value:
        return Rule(text, class_glob=value)
    if sep and key == "component" and value:
        return Rule(text, component_glob=value)
    if sep and key == "message" and value:
        try:
            return Rule(text, message=re.compile(value))
        except re.error as error:
            raise ValueError(f"bad regular expression: {error}") from None
    raise ValueError("expected a 12-hex signature id, 'signature: GLOB', 'message: REGEX', "
                     "'class: GLOB' or 'component: GLOB'")  # fmt: skip


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


def load_known_issues(path: Path | None, torch_version: str | None = None) -> KnownIssues:
    """The shipped known issues that affect ``torch_version`` (the installed torch's by
    default), then the user's file, if any."""
    shipped = shipped_known_issues(torch_version or installed_torch())
    if path is None:
        return shipped
    try:
        text = read_text(path, MAX_RULES_BYTES)
    except Rejected as refused:
        raise UsageError(f"cannot read the known-issues file {path}: {refused.reason}") from None
    return shipped + parse_known_issues(text, str(path))


def installed_torch() -> str:
    from importlib import metadata

    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return ""


def shipped_known_issues(torch_version: str | None) -> KnownIssues:
    """The shipped rules for ``torch_version``; None: for every version (replay)."""
    rules: list[Rule] = []
    for item in sorted(resources.files(SHIPPED).iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            rules += shipped_rules(yaml.safe_load(item.read_text(encoding="utf-8")), item.name,
                                   torch_version)  # fmt: skip
    return KnownIssues(tuple(rules))


def of_release(torch_version: str, release: str) -> bool:
    """Is ``torch_version`` (``2.15.0+cu132``, ``2.15.1``) of ``release`` (``2.15``)? The
    release is a prefix of whole version fields: 2.15 is not 2.150, nor 2.1 2.13."""
    rest = torch_version.removeprefix(release)
    return rest != torch_version and rest[:1] in ("", ".", "+")


def shipped_rules(data: Any, origin: str, torch_version: str | None) -> list[Rule]:
    """The rules of one shipped file that affect ``torch_version`` (None: all)."""
    if not isinstance(data, dict) or data.get("format") != SHIPPED_FORMAT:
        raise FuelError(f"{origin}: not a known-issues file of format {SHIPPED_FORMAT}")
    rules = []
    for entry in data.get("issues", []):
        affects = tuple(str(v) for v in entry.get("affects", ()))
        if torch_version is not None and not any(of_release(torch_version, v) for v in affects):
            continue
        label = f"known #{entry['issue']}"
        rules += [replace(parse_rule(f"{key}: {entry[key]}"), text=label)
                  for key in ("class", "component", "message", "signature")
                  if key in entry]  # fmt: skip
    return rules
