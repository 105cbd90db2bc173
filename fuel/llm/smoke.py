"""``python -m fuel.llm.smoke``: measure an endpoint before trusting a campaign to it.

It runs the LLM loop without the campaign: each round asks for a program, checks it
with an eager-only run in the sandboxed pool, reports the verdict back, and self-repairs
invalid programs (up to ``--max-repairs``). At the end it prints one JSON object: how
many programs loaded, how many ran in eager at once and after repair, the repair
success rate, replies rejected and why, and what it cost per role. Compiles are not
run, so a round costs seconds of CPU and the model's time.

    python -m fuel.llm.smoke --rounds 20 --budget-usd 0.10 --ops torch.matmul,torch.relu
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from fuel.errors import FuelError, Rejected
from fuel.llm.errors import BudgetExhausted
from fuel.llm.options import llm_options, settings_from_params


@click.command()
@click.option("--rounds", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--ops", default="", help="comma-separated operators to ask for")
@click.option("--seed", type=int, default=0, show_default=True)
@llm_options
def smoke(rounds: int, ops: str, seed: int, **llm_params: Any) -> None:
    from fuel.execute.pool import PoolSettings, WorkerPool
    from fuel.feedback.record import Feedback
    from fuel.generate.base import GenerationRequest
    from fuel.generate.registry import GeneratorSettings, create
    from fuel.judge.verdict import Outcome
    from fuel.llm.loop import LLMGenerator
    from fuel.llm.repair import eager_check, needs_repair, self_repair

    llm = settings_from_params(llm_params)
    generator = create("llm", GeneratorSettings(seed=seed, extra={"llm": llm}))
    assert isinstance(generator, LLMGenerator)
    wanted = tuple(op.strip() for op in ops.split(",") if op.strip())
    loaded = valid_at_once = valid_after_repair = rejected = 0
    with WorkerPool(PoolSettings(workers=1, timeout_s=60)) as pool:
        check = eager_check(pool)
        for round_ in range(rounds):
            try:
                program = generator.generate(GenerationRequest(wanted, seed=seed + round_))
            except Rejected:
                rejected += 1
                continue
            except BudgetExhausted as spent:
                click.echo(f"stopped: {spent}", err=True)
                break
            loaded += 1
            verdict = check(program)
            generator.observe(Feedback(program, verdict, new_lines=0))
            if not needs_repair(verdict):
                valid_at_once += verdict.outcome is not Outcome.REJECTED
                continue
            outcome = self_repair(generator, program, verdict, check)
            valid_after_repair += outcome.repaired
    status = generator.status()
    summary = {
        "rounds": rounds,
        "rounds_rejected": rejected,
        "programs_loaded": loaded,
        "valid_at_once": valid_at_once,
        "valid_after_repair": valid_after_repair,
        "status": json.loads(status.to_json()),
        "cost": json.loads(generator.cost_report().to_json()),
    }
    click.echo(json.dumps(summary, indent=2, sort_keys=True))
    click.echo(status.line(), err=True)


def main() -> int:
    try:
        smoke.main(standalone_mode=False)
    except click.UsageError as exc:
        click.echo(f"fuel: error: {exc.format_message()}", err=True)
        return 2
    except FuelError as exc:
        click.echo(f"fuel: error: {exc}", err=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
