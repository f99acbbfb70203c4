"""``rapport eval replies``: reply quality through the public ``Assistant`` API, per category and model."""
