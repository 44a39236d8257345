"""A file download: the bytes with their media type, named for the person's disk and never cached (every file we
serve is someone's data: a bid document, its snapshot, a CSV of pledges)."""

from __future__ import annotations

from litestar import Response


def download(content: bytes, file_name: str, media_type: str) -> Response[bytes]:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{file_name}"', "Cache-Control": "no-store"},
    )
