"""One module per layer; each exposes ``SPEC`` and pure build functions."""
