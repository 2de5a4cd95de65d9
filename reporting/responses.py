"""An export as an HTTP answer: a download, streamed for CSV."""

from __future__ import annotations

from litestar import Response
from litestar.response import Stream

from reporting.services import ExportFile


def download(file: ExportFile) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{file.filename}"', "Cache-Control": "no-store"}
    if file.chunks is not None:
        return Stream(file.chunks, media_type=file.media_type, headers=headers)
    return Response(file.content or b"", media_type=file.media_type, headers=headers)
