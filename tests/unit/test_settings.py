"""inkrider_lite.runtimes.settings: validating what the settings registry hands over."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from inkrider_lite.runtimes.settings import Settings, SettingsError


def test_defaults() -> None:
    assert Settings() == Settings(warm_worker=True, max_local_sessions=3)
    assert Settings.from_mapping({}) == Settings()


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().warm_worker = False  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"warmWorker": False}, Settings(warm_worker=False)),
        ({"warmWorker": True}, Settings(warm_worker=True)),
        ({"maxLocalSessions": 1}, Settings(max_local_sessions=1)),
        ({"maxLocalSessions": 8}, Settings(max_local_sessions=8)),
        (
            {"warmWorker": False, "maxLocalSessions": 5, "unknown": "ignored"},
            Settings(warm_worker=False, max_local_sessions=5),
        ),
    ],
)
def test_valid_values(raw: dict[str, Any], expected: Settings) -> None:
    assert Settings.from_mapping(raw) == expected


@pytest.mark.parametrize("value", ["true", 1, 0, None, [], "false"])
def test_invalid_warm_worker(value: Any) -> None:
    with pytest.raises(SettingsError, match="warmWorker"):
        Settings.from_mapping({"warmWorker": value})


@pytest.mark.parametrize("value", [0, 9, -1, 2.0, 2.5, "3", None, True, False])
def test_invalid_max_local_sessions(value: Any) -> None:
    with pytest.raises(SettingsError, match="maxLocalSessions"):
        Settings.from_mapping({"maxLocalSessions": value})


def test_settings_error_is_a_value_error() -> None:
    assert issubclass(SettingsError, ValueError)
