"""What a function is asked: the tests that show a parse or a check is skipped count it."""

from typing import Any

import pytest


def recorded_calls(monkeypatch: pytest.MonkeyPatch, owner: Any, name: Any) -> list[object]:
    """From now on, the first argument of every call of owner's name (an attribute, or an
    entry when owner is a dict), in order; each call still runs the function it replaces."""
    replaced = owner[name] if isinstance(owner, dict) else getattr(owner, name)
    seen: list[object] = []

    def recording(value: object, *args: Any, **kwargs: Any) -> Any:
        seen.append(value)
        return replaced(value, *args, **kwargs)

    if isinstance(owner, dict):
        monkeypatch.setitem(owner, name, recording)
    else:
        monkeypatch.setattr(owner, name, recording)
    return seen
