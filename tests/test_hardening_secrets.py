"""Secrets: every entry point runs with fake tokens set, at DEBUG logging; the tokens and the signing
secret must appear 0 times in stdout, stderr and the log records."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from conftest import SEED as SEED_PATH
from fakeapi import FakeAPI, Recorded, Response

from adapters.cli import RedactingFormatter, main

SECRETS = {
    "DISCORD_TOKEN": "MTIzNDU2Nzg5MDEy.fake-discord-token.AbCdEf",
    "SLACK_BOT_TOKEN": "xoxb-111-222-fakebotsecret",
    "SLACK_APP_TOKEN": "xapp-1-A111-222-fakeappsecret",
    "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
    "PARADE_DATABASE_URL": "postgresql+psycopg://bot:fake-db-password-123@127.0.0.1:9/parade",
}


def refuse_everything(req: Recorded) -> Response:
    if "/api/v10/" in req.path:
        return Response(401, {"message": "401: Unauthorized", "code": 0})
    return Response(body={"ok": False, "error": "invalid_auth"})  # Slack's answer to a bad token


@pytest.fixture
def secret_env(monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return SECRETS


def test_no_entry_point_reveals_a_secret(secret_env, monkeypatch, tmp_path, capsys, caplog):
    import discord

    caplog.set_level(logging.DEBUG)
    runs: dict[str, int] = {}
    with FakeAPI(refuse_everything) as fake:
        monkeypatch.setattr(discord.http.Route, "BASE", f"{fake.url}/api/v10")
        config = tmp_path / "settings.yaml"
        config.write_text(f"content: {SEED_PATH}\nslack:\n  api_url: {fake.url}/api/\n")
        for argv, stdin in [
            (["say", "/parade when"], ""),
            (["ask", "--json", "who attends?"], ""),
            (["console"], "/parade subscribe\n/parade reload\nquit\n"),
            (["discord"], ""),
            (["slack"], ""),
            (["--content", str(tmp_path / "missing.yaml"), "say", "when"], ""),
        ]:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
            runs[" ".join(argv)] = main(["--config", str(config), *argv])
        out, err = capsys.readouterr()
    assert runs["discord"] == 2 and runs["slack"] == 2  # both refused by the fake, cleanly
    assert "Discord rejected DISCORD_TOKEN" in err and "Slack refused the app: invalid_auth" in err
    everything = out + err + caplog.text
    found = {name: everything.count(value) for name, value in secret_env.items() if name != "PARADE_DATABASE_URL"}
    found["database password"] = everything.count("fake-db-password-123")
    with capsys.disabled():
        print(f"\nsecrets: {len(runs)} entry points run at DEBUG, {len(everything)} characters of output; "
              f"occurrences: {found}")
    assert set(found.values()) == {0}


def test_the_log_formatter_redacts_secrets_even_in_tracebacks():
    formatter = RedactingFormatter("%(message)s")
    formatter.secrets = ("xoxb-111-222-fakebotsecret",)
    try:
        raise RuntimeError("request failed with token xoxb-111-222-fakebotsecret")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "using %s", ("xoxb-111-222-fakebotsecret",),
                                   sys.exc_info())
    line = formatter.format(record)
    assert "fakebotsecret" not in line and line.count("[redacted]") == 3  # message, source line, exception



def test_json_logs_are_one_object_per_line_and_redacted(monkeypatch, capsys):
    import json

    from adapters.cli import configure_logging

    secret = 'p"ss\\word-with-quotes'
    monkeypatch.setenv("SLACK_SIGNING_SECRET", secret)
    configure_logging(logging.INFO, as_json=True)
    try:
        try:
            raise RuntimeError(f"refused {secret}")
        except RuntimeError:
            logging.getLogger("parade-bot").exception("login with %s failed", secret)
        line = capsys.readouterr().err.strip().splitlines()[-1]
    finally:
        configure_logging()
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "parade-bot"
    assert entry["message"] == "login with [redacted] failed"
    assert "RuntimeError: refused [redacted]" in entry["exception"]
    assert "word-with-quotes" not in line
