"""The web domain: the JSON API under /api/v1 and the HTML pages, one FastAPI app."""

from commonground.web.app import create_app

__all__ = ["create_app"]
