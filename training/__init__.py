"""Training code for claimcheck's small models (stance cross-encoder, check-worthiness).

Needs the ``train`` extra (torch, tokenizers, ...); the runtime scorers in ``workers/``
never import anything from here.
"""
