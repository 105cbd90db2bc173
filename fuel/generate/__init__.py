"""Program generation: the contract in ``base``; the built-in synthesizer realises
catalog operators as programs, with no LLM and no network.

========================  =============================================  ==================
hook                      default                                        caller
========================  =============================================  ==================
``BuiltinGenerator``      registered as ``builtin`` (``registry``)       campaign, CLI
``.generate(request)``    ``synth.synthesize``: 1-20 checked calls       campaign
``.mutate(program, s)``   ``mutate.MUTATIONS``; ``ast_mutate`` fallback  campaign
``choices.*``             dtype/profile/layout/form weights              ``synth``
``profiles.PROFILES``     input value profiles and layouts               ``render``
``adapters``              shape/dtype steps and value guards             ``synth``
``fake.Workbench``        meta-device check, then tiny real tensors      ``synth``
``motifs.MOTIFS``         named bug-prone shapes, in half the programs   ``builtin``
``census.census``         the shapes a recipe has (``Recipe.motifs``)    ``builtin``
``render.render``         recipe to source, pure                         ``builtin``
========================  =============================================  ==================
"""
