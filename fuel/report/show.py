"""What ``fuel show`` prints for a bug that has no report yet."""

from __future__ import annotations

from fuel.store.bugdir import BugFiles


def summary(files: BugFiles) -> str:
    verdict = files.read_verdict()
    lines = [f"bug {files.directory.name} (not reduced yet: run fuel reduce {files.directory})"]
    if verdict is not None:
        kind = verdict.kind.value if verdict.kind else "bug"
        stage = f" [{verdict.stage.value}]" if verdict.stage else ""
        signature = verdict.signature.text if verdict.signature else ""
        lines += [f"{kind}{stage}: {verdict.detail}", f"signature: {signature}"]
        if verdict.numeric:
            n = verdict.numeric
            lines.append(
                f"{n.where} ({n.dtype}, {list(n.shape)}): max abs diff {n.max_abs_diff:.6g}, "
                f"max rel diff {n.max_rel_diff:.6g}, float64 error eager "
                f"{n.eager_fp64_error}, compiled {n.compiled_fp64_error}"
            )
        if verdict.crash:
            lines.append(f"{verdict.crash.exc_type}: {verdict.crash.message.strip()[:500]}")
            lines += [f"  {frame}" for frame in verdict.crash.frames]
    lines += ["", files.program.read_text(encoding="utf-8").rstrip()]
    return "\n".join(lines) + "\n"
