"""What routes need from the application, as FastAPI dependencies (tests may override them)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from fastapi import Request

from commonground.sdg.framework import Framework
from commonground.sdg.mapping import SdgMapping
from commonground.settings import Settings
from commonground.store import Store


class Mapper(Protocol):
    """The part of the SDG mapper the web layer uses."""

    def map(self, text: str) -> SdgMapping: ...


MapperLoader = Callable[[str | None], Mapper]


@dataclass
class WebState:
    """Everything one app instance holds; built by ``create_app``, nothing at import time."""

    settings: Settings
    store: Store
    framework: Callable[[], Framework]
    _mappers: dict[str, Mapper] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def mapper(self, mode: str | None) -> Mapper:
        """The SDG mapper for ``mode`` (the settings' default if None), loaded once."""
        key = mode or self.settings.sdg_mode
        with self._lock:
            if key not in self._mappers:
                from commonground.sdg import load_mapper  # type: ignore[attr-defined,unused-ignore]

                self._mappers[key] = load_mapper(self.settings, mode=key)
            return self._mappers[key]


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
    """A function from mode to mapper; override this dependency to use a stand-in mapper."""
    return get_state(request).mapper
