"""Program generation: the contract in ``base``; the built-in synthesizer realises
catalog operators as programs, with no LLM and no network."""
