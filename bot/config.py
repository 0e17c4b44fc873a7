"""Runtime settings from `config/settings.yaml`; secrets never live here, only in the environment."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "settings.yaml"


class ConfigError(Exception):
    pass


class DiscordSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Sync commands to this guild only (instant, for development); null syncs globally.
    guild_id: int | None = None


class SlackSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Answers visible to the whole channel; false makes every answer visible only to the asker.
    in_channel: bool = True
    # HTTP mode listens here (PORT from the environment, default 3000).
    host: str = "0.0.0.0"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    content: Path = Field(default=PROJECT_ROOT / "seeds" / "parade.yaml")
    # The zone answers use where a channel has set none; None means the event's own zone.
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown IANA timezone {value!r}") from None
        return value

    discord: DiscordSettings = DiscordSettings()
    slack: SlackSettings = SlackSettings()


def load_settings(path: str | Path | None = None) -> Settings:
    """Settings from `path`, $PARADE_CONFIG, or the project's default file (if present)."""
    chosen = Path(path or os.environ.get("PARADE_CONFIG") or DEFAULT_CONFIG)
    if not chosen.exists():
        if path or os.environ.get("PARADE_CONFIG"):
            raise ConfigError(f"{chosen}: no such config file")
        return Settings()
    try:
        data = yaml.safe_load(chosen.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{chosen}: cannot read settings ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{chosen}: settings must be a YAML mapping")
    # Relative paths are relative to the settings file, so the bot can start from any directory.
    if isinstance(data.get("content"), str):
        data["content"] = (chosen.parent / data["content"]).resolve()
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{chosen}: {where}: {first['msg'].removeprefix('Value error, ')}") from None
