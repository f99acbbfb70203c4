"""``rapport eval reading``: the reader's decisions on real third-party utterances it was not trained on."""
