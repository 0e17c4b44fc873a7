"""Runtime settings from `config/settings.yaml`; secrets never live here, only in the environment."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.loading import ContentLimits
from bot.schedule import DEFAULT_OFFSETS, parse_offset
from bot.timefmt import zone_named

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "settings.yaml"


class ConfigError(Exception):
    pass


class SlackSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Answers visible to the whole channel; false makes every answer visible only to the asker.
    in_channel: bool = True
    # HTTP mode listens here (PORT from the environment, default 3000).
    host: str = "0.0.0.0"
    # The Web API base; Slack's government instance uses https://slack-gov.com/api/.
    api_url: str = "https://slack.com/api/"
    # Where the install link (OAuth mode, /slack/install) sends the installer; GovSlack:
    # https://slack-gov.com/oauth/v2/authorize.
    authorize_url: str = "https://slack.com/oauth/v2/authorize"


def _duration(value: object) -> str:
    text = str(value)
    parse_offset(text)  # raises ValueError with the accepted forms
    return text


# "7d", "1h", "30m" or "0"; numbers are accepted as text so that YAML's bare 0 works.
Duration = Annotated[str, BeforeValidator(_duration)]


class DiscordSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Sync commands to this guild only (instant, for development); null syncs globally.
    guild_id: int | None = None
    # How long the server's Scheduled Event for the parade lasts (Discord needs an end time).
    event_duration: Duration = "2h"
    # Publish posts in announcement channels, so servers following the channel get them too.
    crosspost: bool = False
    # auto: the first /parade subscribe in a server also lists the event in its Events (as
    # /parade-admin event does); manual: only /parade-admin event lists it.
    scheduled_event: Literal["manual", "auto"] = "manual"
    # Sharding (README, "Many servers: shards"): the total number of shards, and the ones this
    # process runs. Both null: one process runs the number Discord recommends.
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: tuple[int, ...] | None = None

    @model_validator(mode="after")
    def _shards_fit(self) -> DiscordSettings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("discord.shard_ids needs discord.shard_count (the total across all processes)")
            outside = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if outside or not self.shard_ids or len(set(self.shard_ids)) != len(self.shard_ids):
                raise ValueError(f"discord.shard_ids must be distinct numbers from 0 to {self.shard_count - 1}")
        return self

    @field_validator("event_duration")
    @classmethod
    def _positive(cls, value: str) -> str:
        if not parse_offset(value):
            raise ValueError("event_duration must be longer than 0, e.g. 2h")
        return value

    @property
    def event_period(self) -> dt.timedelta:
        return parse_offset(self.event_duration)


class ReminderSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Countdown posts this long before the start: 7d, 3d, 1d, 1h, 30m; "0" is the start itself.
    offsets: tuple[Duration, ...] = DEFAULT_OFFSETS
    # A post missed while the bot was down is still sent on start if it is at most this late.
    grace: Duration = "1h"

    @property
    def grace_period(self) -> dt.timedelta:
        return parse_offset(self.grace)


class AdminSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # User ids allowed admin commands (/parade reload). On Discord, members with the Manage Server
    # permission are admins too.
    discord: frozenset[str] = frozenset()
    slack: frozenset[str] = frozenset()

    @field_validator("discord", "slack", mode="before")
    @classmethod
    def _ids_as_text(cls, value: object) -> object:
        return [str(v) for v in value] if isinstance(value, list | tuple | set) else value


class SubscriptionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Who may subscribe and unsubscribe a channel. managers: on Discord members with Manage Channels, on
    # Slack the user ids in admins.slack (and admins everywhere); everyone: any member.
    who: Literal["managers", "everyone"] = "managers"


class ReloadSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Reload the content whenever its file changes on disk.
    watch: bool = False


class AlertSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # News updates older than this (by their published_at) are not posted.
    max_age: Duration = "24h"

    @property
    def max_age_period(self) -> dt.timedelta:
        return parse_offset(self.max_age)


class FeedNotices(BaseModel):
    """Where the bot tells its admins that it disabled a failing feed (besides the log and status)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    platform: Literal["discord", "slack", "console"]
    channel: str = Field(min_length=1)
    workspace: str = ""  # Slack with many workspaces (OAuth): the team id whose token posts there


class FeedConfig(BaseModel):
    """Fetching the content's `feeds` (README, "Live news")."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    allow_private_addresses: bool = False  # refuse loopback, private and link-local feed hosts unless true
    max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    timeout: float = Field(default=20.0, gt=0, le=300)
    disable_after: int = Field(default=10, ge=1)  # failures in a row
    story_window: Duration = "6h"  # reports of one story within this long are one alert
    notify: FeedNotices | None = None  # null: a disabled feed is told in the log and in status only


class MetricsSettings(BaseModel):
    """Prometheus metrics (README, "Operations")."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    port: int | None = Field(default=None, ge=1, le=65535)  # null: not served
    host: str = "127.0.0.1"  # loopback: expose it deliberately, e.g. 0.0.0.0 behind a firewall


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    content: Path = Field(default=PROJECT_ROOT / "seeds" / "parade.yaml")
    # The zone answers use where a channel has set none; None means the event's own zone.
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str | None) -> str | None:
        if value is not None:
            zone_named(value)
        return value

    discord: DiscordSettings = DiscordSettings()
    slack: SlackSettings = SlackSettings()
    reminders: ReminderSettings = ReminderSettings()
    alerts: AlertSettings = AlertSettings()
    admins: AdminSettings = AdminSettings()
    subscriptions: SubscriptionSettings = SubscriptionSettings()
    reload: ReloadSettings = ReloadSettings()
    content_limits: ContentLimits = ContentLimits()
    feeds: FeedConfig = FeedConfig()
    metrics: MetricsSettings = MetricsSettings()
    # Where the SQLite database lives by default.
    data_dir: Path = Field(default=PROJECT_ROOT / "data")
    # Any SQLAlchemy URL (e.g. postgresql+psycopg://...); null: SQLite in data_dir.
    database_url: str | None = None
    # Compiled content (validated and indexed) for fast starts; null: the user's cache folder
    # ($XDG_CACHE_HOME/parade-bot); false: none.
    cache_dir: Path | Literal[False] | None = None

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'parade.db'}"

    @property
    def content_cache(self) -> Path | None:
        """Where compiled content is kept (bot/compiled.py), or None for no cache."""
        if self.cache_dir is False:
            return None
        if self.cache_dir is None:
            return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "parade-bot"
        return self.cache_dir


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
    for key in ("content", "data_dir", "cache_dir"):
        if isinstance(data.get(key), str):
            data[key] = (chosen.parent / data[key]).resolve()
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{chosen}: {where}: {first['msg'].removeprefix('Value error, ')}") from None
