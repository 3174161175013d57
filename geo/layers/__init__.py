"""The data tier: curated tables, layer specs, the status history, the built-layer store and the build.

One module per layer; each exposes ``SPEC`` and pure build functions.
"""
