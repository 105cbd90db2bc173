"""The LLM loop: programs written, analysed and repaired by models behind any
OpenAI-compatible chat endpoint (DeepSeek, OpenAI, vLLM, SGLang, Ollama).

=============================== =============================== ==========================
hook                            default                         caller
=============================== =============================== ==========================
registry ``llm`` / ``hybrid``   ``fuel.llm.generator``          campaign, ``--generator``
``GeneratorSettings``'          ``LLMSettings()``               campaign, from
``LLMSettings``                                                 ``@llm_options``
``generate(request)``           model, or fallback when down    campaign, every round
``observe(feedback)``           queues the analysis             campaign, every verdict
``repair(program, verdict)``    up to ``max_repairs`` per root  campaign, invalid verdicts
``mutate(program, seed)``       hybrid only: built-in mutation  campaign, corpus rounds
``status()``                    line, spend, ``LLMStatus`` JSON  progress display, store
``cost_report()``               per role and per round (JSON)   store
``should_stop``                 True once the budget is spent   campaign loop
``BudgetExhausted``             raised by generate/repair       campaign: stop gracefully
``operators()``                 the catalog's names             campaign: heuristic universe
``config/model.yaml``           presets, prices                 ``fuel.llm.config``
``templates/*.j2``              packaged prompts                ``LLMSettings.prompt_dir``
``templates/shots.yaml``        few-shot exchanges              ``fuel.llm.shots``
``PromptBook(calls=)``          catalog call forms              ``fuel.llm.operators``
fallback / mutator              built-in via the registry       ``fuel.llm.generator``
=============================== =============================== ==========================

Modules: ``settings`` (the flags), ``config`` (YAML presets, key lookup), ``client``
(the SDK, streaming, retries, preflight), ``cache``, ``ledger`` (tokens, prices,
budget), ``prompts`` + ``shots`` + ``templates``, ``operators`` (catalog names as
programs call them), ``extract`` (code out of replies), ``repair``, ``loop``
(the generator), ``hybrid``, ``generator`` (registration), ``options`` (click flags).
This package imports no SDK at import time, except through ``generator``.
"""

from fuel.llm.errors import BudgetExhausted, EndpointDown, RequestFailed, RequestRefused
from fuel.llm.settings import LLMSettings
from fuel.llm.status import LLMStatus, Mode, RepairStats

__all__ = [
    "BudgetExhausted",
    "EndpointDown",
    "LLMSettings",
    "LLMStatus",
    "Mode",
    "RepairStats",
    "RequestFailed",
    "RequestRefused",
]
