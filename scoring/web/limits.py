"""How large a request body the app reads: 1 MiB for a form, 20 MiB for a dossier file uploaded to
the office's import page.

Starlette reads a whole urlencoded form into memory and spools every uploaded file to disk before a
route (or the CSRF check) sees it, and uvicorn sets no limit of its own: without this, one request
could fill the server's memory or disk. A declared Content-Length over the limit is refused before
anything is read; a body sent without one (chunked) is counted as it arrives and refused when it
passes the limit. The refusal is 413 with a bilingual line, and nothing behind it runs.
"""
from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FORM_BYTES = 1 << 20
UPLOAD_BYTES = 20 << 20
UPLOAD_PATHS = frozenset({"/office/import"})


def limit_for(path: str) -> int:
    return UPLOAD_BYTES if path in UPLOAD_PATHS else FORM_BYTES


class _TooLarge(Exception):
    pass


class BodyLimit:
    """A plain ASGI middleware (see SecurityHeaders in app.py for why not `@app.middleware`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                too_large = True  # not a length: refused rather than guessed
            if too_large:
                await _refuse(send, limit)
                return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge()
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if not started:
                await _refuse(send, limit)


async def _refuse(send: Send, limit: int) -> None:
    mib = limit >> 20
    body = (f"413 — nội dung gửi lên quá lớn (tối đa {mib} MiB) / request body too large (at most {mib} MiB)\n"
            ).encode("utf-8")
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
