"""Does memory stay current? Labelled (old, new, should it supersede?) pairs through the real reconcile path.

``rapport eval supersede`` (or ``python -m evals.supersede``) stores each pair's old statement for a
user of its own, beside a few unrelated memories, feeds the new message through the same extraction
and reconciliation a chat turn uses, and checks whether the old memory was retired. It reports
precision and recall of "supersede" overall and per domain, and counts unrelated memories retired
by mistake.
"""
