"""The interpreters: one transformation a module, each owning its rule table.

``staging`` records programs, ``jvp`` is forward mode, ``partial_eval`` splits known from
unknown work, ``transpose`` runs linear programs backwards, ``batching`` is vmap.
"""

__all__ = ["batching", "jvp", "partial_eval", "staging", "transpose"]
