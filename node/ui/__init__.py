"""The dashboard: static HTML/CSS/JS modules served on GET / by `phala-emu serve`.

No build step and nothing fetched at run time; the page is a JSON-RPC client of the
same port (node/rpc/methods_dashboard.py and the standard methods).
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

HERE = Path(__file__).resolve().parent
TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}


def index() -> web.FileResponse:
    return web.FileResponse(HERE / "index.html", headers={"Cache-Control": "no-cache"})


def add_routes(app: web.Application) -> None:
    """`/ui/<file>`: the page's modules and style sheet (only files shipped here)."""
    async def asset(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        path = HERE / name
        if "/" in name or path.suffix not in TYPES or not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Content-Type": TYPES[path.suffix],
                                               "Cache-Control": "no-cache"})

    app.router.add_get("/ui/{name}", asset)
