"""What routes need from the application, as FastAPI dependencies (tests may override them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from fastapi import Request

from commonground.sdg.framework import Framework
from commonground.sdg.mapping import SdgMapping
from commonground.settings import Settings
from commonground.store import Store


class Mapper(Protocol):
    """The part of the SDG mapper the web layer uses."""

    def map(self, text: str) -> SdgMapping: ...


#: (mode, MiniLM precision) to a mapper; None for either: the server's settings
MapperLoader = Callable[[str | None, str | None], Mapper]


@dataclass
class WebState:
    """Everything one app instance holds; built by ``create_app``, nothing at import time."""

    settings: Settings
    store: Store
    framework: Callable[[], Framework]

    def mapper(self, mode: str | None, precision: str | None = None) -> Mapper:
        """The SDG mapper for ``mode`` and the accurate mode's MiniLM ``precision`` (the
        settings' defaults where None); the sdg package loads each on first use and keeps
        it."""
        from commonground.sdg import load_mapper

        return load_mapper(self.settings, mode=mode, precision=precision)


def get_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def get_settings(request: Request) -> Settings:
    return get_state(request).settings


def get_store(request: Request) -> Store:
    return get_state(request).store


def get_framework(request: Request) -> Framework:
    return get_state(request).framework()


def get_mapper_loader(request: Request) -> MapperLoader:
    """A function from mode and precision to mapper; override this dependency to use a
    stand-in mapper."""
    return get_state(request).mapper
