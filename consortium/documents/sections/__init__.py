"""The bid document's sections: one builder and one frozen context per template in ``templates/bid/``.

Each module here is named after its template (``cover`` for ``bid/cover.html`` ...) and has ``build(facts)``,
which returns that section's context: every word and figure the template shows, worked out and formatted, so the
template only loops and branches. ``consortium.documents.context.build_context`` composes them into the
``BidContext`` the renderer uses. What several sections share is worked out once in ``facts``.
"""
