"""Fixtures of the batch tests: the fake mapper in place of the shipped one, small corpora."""

from __future__ import annotations

import cloudpickle
import fakes
import pytest

import commonground.sdg

# Dask worker processes cannot import the test folder: send the fake to them by value.
cloudpickle.register_pickle_by_value(fakes)


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """``commonground.sdg.load_mapper`` answers with the deterministic fake in this process."""
    monkeypatch.setattr(commonground.sdg, "load_mapper", fakes.fake_load_mapper, raising=False)
