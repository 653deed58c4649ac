"""inkrider_lite.runtimes.settings: validating what the settings registry hands over."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from inkrider_lite.runtimes.settings import Settings, SettingsError

SCHEMA = (
    Path(__file__).resolve().parents[2]
    / "inkrider_lite/labextension/schemas/inkrider-lite/plugin.json"
)


def test_defaults() -> None:
    assert Settings() == Settings(warm_worker=True, max_local_sessions=3, pypi_fallback=False)
    assert Settings.from_mapping({}) == Settings()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"warmWorker": False}, Settings(warm_worker=False)),
        ({"warmWorker": True}, Settings(warm_worker=True)),
        ({"maxLocalSessions": 1}, Settings(max_local_sessions=1)),
        ({"maxLocalSessions": 8}, Settings(max_local_sessions=8)),
        ({"pypiFallback": True}, Settings(pypi_fallback=True)),
        ({"pypiFallback": False}, Settings(pypi_fallback=False)),
        (
            {"warmWorker": False, "maxLocalSessions": 5, "pypiFallback": True, "unknown": "x"},
            Settings(warm_worker=False, max_local_sessions=5, pypi_fallback=True),
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


@pytest.mark.parametrize("value", ["true", 1, 0, None, [], "false"])
def test_invalid_pypi_fallback(value: Any) -> None:
    with pytest.raises(SettingsError, match="pypiFallback"):
        Settings.from_mapping({"pypiFallback": value})


def test_schema_matches_the_settings() -> None:
    """The settings editor's schema offers every setting with the dataclass's default."""
    schema = json.loads(SCHEMA.read_text())
    defaults = {key: spec["default"] for key, spec in schema["properties"].items()}
    assert defaults == {
        "warmWorker": Settings.warm_worker,
        "maxLocalSessions": Settings.max_local_sessions,
        "pypiFallback": Settings.pypi_fallback,
        "runtime": Settings.runtime,
        "remoteBaseUrl": Settings.remote_base_url,
        "remoteKernel": Settings.remote_kernel,
    }
    assert Settings.from_mapping(defaults) == Settings()
    # The token is kept in browser storage only: the Settings Editor shows and exports these.
    assert not any("token" in key.lower() for key in schema["properties"])


@pytest.mark.parametrize("value", ["Remote", "", None, 1, "server"])
def test_invalid_runtime(value: Any) -> None:
    with pytest.raises(SettingsError, match="runtime"):
        Settings.from_mapping({"runtime": value})


def test_remote_settings_are_read_and_trimmed() -> None:
    settings = Settings.from_mapping(
        {"runtime": "remote", "remoteBaseUrl": " http://localhost:8888 ", "remoteKernel": "ir"}
    )
    assert (settings.runtime, settings.remote_base_url, settings.remote_kernel) == (
        "remote",
        "http://localhost:8888",
        "ir",
    )
