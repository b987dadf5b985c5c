"""One error shape: {"error": {type, message, detail}} under /api; a friendly page elsewhere."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from commonground.errors import CommongroundError

log = logging.getLogger(__name__)

API_PREFIX = "/api/"

_HTTP_TYPES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


def error_body(code: str, message: str, detail: object | None = None) -> dict[str, Any]:
    return {"error": {"type": code, "message": message, "detail": jsonable_encoder(detail)}}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX) or request.url.path == API_PREFIX.rstrip("/")


def _respond(request: Request, status: int, code: str, message: str,
             detail: object | None = None) -> Response:
    if _is_api(request):
        return JSONResponse(error_body(code, message, detail), status_code=status)
    from commonground.web.pages import render_error

    return render_error(request, status, message)


#: how much of an offending value an error repeats (a 2 MB text must not come back twice)
SHOWN_CHARS = 200


def _shown(value: Any) -> str:
    """``repr(value)``, cut to SHOWN_CHARS with its full length named."""
    text = repr(value)
    if len(text) <= SHOWN_CHARS:
        return text
    return f"{text[:SHOWN_CHARS]}… ({len(text):,} characters)"


def _encodable(value: Any) -> bool:
    """Whether ``value`` can go into a JSON answer (a lone surrogate cannot; its repr can)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
        return False
    return True


def _validation_message(errors: list[Any]) -> str:
    parts = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("query", "path", "body")]
        where = ".".join(loc) or "request"
        value = e.get("input")
        shown = (f" (got {_shown(value)})" if value is not None and not isinstance(value, dict)
                 else "")
        parts.append(f"{where}: {e.get('msg', 'invalid')}{shown}")
    return "invalid request: " + "; ".join(parts) + "; see /api/v1/openapi.json"


def install_error_handlers(app: FastAPI) -> None:
    async def on_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CommongroundError)
        return _respond(request, exc.http_status, exc.code, exc.message, exc.detail)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type", "input")}
                  for e in exc.errors()]
        message = _validation_message(errors)
        for e in errors:  # the detail keeps a short input as it came, a long one cut
            if "input" in e and (len(repr(e["input"])) > SHOWN_CHARS
                                 or not _encodable(e["input"])):
                e["input"] = _shown(e["input"])
        return _respond(request, 422, "invalid_input", message, errors)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_TYPES.get(exc.status_code, "http_error")
        if exc.status_code == 404 and exc.detail == "Not Found":
            message = (f"nothing at {request.url.path}; "
                       + ("see /api/v1/openapi.json for the endpoints" if _is_api(request)
                          else "start again from the home page"))
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        else:
            message = str(exc.detail)
        return _respond(request, exc.status_code, code, message)

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return _respond(request, 500, "internal_error",
                        "the server failed on this request; the details are in the server "
                        "log, please report them")

    app.add_exception_handler(CommongroundError, on_error)
    app.add_exception_handler(Exception, on_crash)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
