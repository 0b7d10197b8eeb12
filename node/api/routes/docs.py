"""/docs (Swagger UI) and /redoc (ReDoc) served entirely by the node: no CDN, no font site.

Courts and government intranets are often offline, and FastAPI's default pages load their
scripts from a CDN (a blank page without internet). The assets come from the
fastapi-offline package's static folder, read once; the pages reference only this node.
"""

from functools import cache
from importlib import resources
from typing import Final

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

router = APIRouter(include_in_schema=False)

ASSETS_PATH: Final = "/docs/assets"
ASSETS_PACKAGE: Final = "fastapi_offline"
ASSET_TYPES: Final = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
TITLE: Final = "Lantan node API"


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=TITLE,
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        # Swagger UI's default validator badge calls validator.swagger.io: never from here.
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    return get_redoc_html(
        openapi_url=request.app.openapi_url,
        title=TITLE,
        redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS_PATH}/favicon.png",
        with_google_fonts=False,
    )


@router.get(ASSETS_PATH + "/{name}", response_model=None)
def asset(name: str) -> Response:
    if name not in ASSET_TYPES:
        return Response("no such asset", status_code=404, media_type="text/plain")
    return Response(
        _asset_bytes(name),
        media_type=ASSET_TYPES[name],
        headers={"Cache-Control": "public, max-age=86400"},
    )


@cache
def _asset_bytes(name: str) -> bytes:
    return (resources.files(ASSETS_PACKAGE) / "static" / name).read_bytes()
