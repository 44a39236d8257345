"""The bid document: a frozen snapshot of a bid rendered to an accessible, reproducible PDF.

* ``snapshot``: the ``Snapshot`` structs and their canonical JSON (``snapshot_to_json``, ``snapshot_sha256``).
* ``context``: ``build_context(snapshot) -> BidContext``, everything the templates show, formatted for people.
* ``charts`` and ``hexmap``: SVG bar charts and the UK district hex map, made by our own code.
* ``render``: ``render_pdf(snapshot) -> RenderedDocument`` with WeasyPrint (PDF/UA-1 by default).

Modules are imported where used (``from consortium.documents.render import render_pdf``): importing this package
does not load WeasyPrint.
"""
