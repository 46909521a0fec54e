"""Engine version, part of every spec hash.

Bump it whenever the numbers or pictures for the same spec change (new seeds, different
sampling sizes, new library versions with different results), so stale cached jobs are not
reused.
"""

ENGINE_VERSION = "explainlab-engine/2"
