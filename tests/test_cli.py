"""The command line, as a user at a terminal runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, SEED, SEED_WHEN

from adapters.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_say_when_in_the_event_zone_and_in_utc(capsys):
    code, out, _ = run(capsys, "say", "/parade when")
    assert code == 0
    assert SEED_WHEN in out
    assert "Took place" in out  # today is after the parade
    code, out, _ = run(capsys, "say", "--tz", "UTC", "/parade when")
    assert code == 0 and "Wednesday 3 September 2025, time of day not reported (this bot assumes 01:00 UTC)\n" in out
    _, before_subcommand, _ = run(capsys, "--tz", "UTC", "say", "/parade when")
    assert before_subcommand == out


def test_ask_json_has_the_documented_shape(capsys):
    code, out, _ = run(capsys, "ask", "--json", "What share of North Korea's trade is with China?")
    answer = json.loads(out)
    assert code == 0 and set(answer) == {"answer", "confident", "intent", "citations", "fact_ids"}
    assert answer["confident"] is True and "97%" in answer["answer"]
    assert answer["fact_ids"][0] == "trade-shares-2023"
    assert answer["citations"][0] == {
        "source": "ap", "outlet": "Associated Press (AP Brief)",
        "title": "Kim Jong Un will attend a military parade in Beijing next week", "date": "2025-08-28",
    }
    code, out, _ = run(capsys, "ask", "--json", "How much did the parade cost?")
    unknown = json.loads(out)
    assert code == 0 and unknown["confident"] is False and unknown["fact_ids"] == []


def test_content_option_serves_another_event(capsys):
    code, out, _ = run(capsys, "say", "--content", str(DATA / "harbour_festival.yaml"), "/parade where")
    assert code == 0 and "Old Harbour, Portoluz" in out


def test_errors_are_one_line_with_exit_code_2(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SEED.read_text().replace("timezone: Asia/Shanghai", "timezone: Nowhere/Town"))
    code, out, err = run(capsys, "say", "--content", str(bad), "when")
    assert code == 2 and out == ""
    assert err == f"parade-bot: {bad}:15: timezone: unknown IANA timezone 'Nowhere/Town'\n"
    code, _, err = run(capsys, "say", "--tz", "Mars/Base", "when")
    assert code == 2 and err.count("\n") == 1 and "unknown IANA timezone 'Mars/Base'" in err
    code, _, err = run(capsys, "say", "--tz", "A" * 300, "when")  # too long to be a file name: OSError
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    settings = tmp_path / "settings.yaml"
    settings.write_text(f"timezone: {'B' * 300}\n")
    code, _, err = run(capsys, "--config", str(settings), "say", "when")
    assert code == 2 and err.count("\n") == 1 and "timezone: unknown IANA timezone 'BBB" in err
    code, out, _ = run(capsys, "say", "/parade fly")
    assert code == 2 and "Unknown command `fly`" in out
    with pytest.raises(SystemExit) as usage:
        main(["say"])
    assert usage.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_console_answers_each_line_until_eof(monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("/parade where\nwho putin\n\nquit\n/parade when\n"))
    code, out, _ = run(capsys, "console")
    assert code == 0
    assert "Beijing, China" in out and "Vladimir Putin\n==" in out
    assert "When:" not in out  # nothing after `quit`


def test_installed_script_runs_without_tracebacks(tmp_path):
    script = shutil.which("parade-bot", path=str(Path(sys.executable).parent))
    assert script, "parade-bot is installed into the environment by `make`"
    ok = subprocess.run([script, "say", "/parade where"], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "Beijing, China" in ok.stdout
    missing = subprocess.run([script, "--content", str(tmp_path / "none.yaml"), "say", "when"],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert missing.stderr.strip().endswith("none.yaml: cannot read the file (FileNotFoundError)")


def test_shard_options_override_the_settings_and_bad_ones_are_one_line_errors(monkeypatch, capsys, tmp_path):
    import adapters.discord_bot
    from adapters.cli import main

    monkeypatch.setenv("PARADE_DATABASE_URL", f"sqlite:///{tmp_path / 'shards.db'}")
    seen = {}

    def run(app, options):  # stands in for the gateway: what settings would the client get?
        seen["discord"] = app.settings.discord
        return 0

    monkeypatch.setattr(adapters.discord_bot, "run", run)
    assert main(["discord", "--shard-count", "4", "--shard-ids", "1,3"]) == 0
    assert seen["discord"].shard_count == 4 and seen["discord"].shard_ids == (1, 3)
    assert main(["discord", "--shard-count", "2", "--shard-ids", "2"]) == 2
    assert "discord.shard_ids must be distinct numbers from 0 to 1" in capsys.readouterr().err


def test_the_collector_rests_while_the_bot_starts_and_runs_once_it_serves(monkeypatch, tmp_path):
    """A start makes many objects and no garbage, so the collector is paused for it; a platform that
    serves with the collector still off would never free a cycle."""
    import gc

    import adapters.console
    from bot.application import Application

    monkeypatch.setenv("PARADE_DATABASE_URL", f"sqlite:///{tmp_path / 'collector.db'}")
    collecting = {}
    build = Application.build

    def building(*args, **kwargs):
        collecting["while starting"] = gc.isenabled()
        return build(*args, **kwargs)

    def serve(app, options):
        collecting["while serving"] = gc.isenabled()
        return 0

    monkeypatch.setattr(Application, "build", building)
    monkeypatch.setattr(adapters.console, "run", serve)
    assert gc.isenabled() and main(["console"]) == 0
    assert collecting == {"while starting": False, "while serving": True} and gc.isenabled()


def test_a_console_start_loads_no_library_it_has_no_use_for(tmp_path):
    """The console on a database already at the newest revision, serving content that lists no feeds,
    with no metrics port: Alembic (upgrades), aiohttp and feedparser (feeds, served metrics) and
    prometheus_client (writing metrics out) stay unloaded, and so do NumPy, which the bot no longer uses, and
    SQLAlchemy's ORM (about 6 MiB), which the storage no longer uses (it is written on SQLAlchemy Core)."""
    from bot.application import open_database

    url = f"sqlite:///{tmp_path / 'console.db'}"
    open_database(url).close()  # a database at the newest revision, as after a first start
    # A package's submodule in sys.modules brings its package with it, so the names are looked up as they are.
    probe = ("import sys\nfrom adapters.cli import main\ncode = main(['console'])\n"
             "print('loaded:', sorted(name for name in ('alembic', 'aiohttp', 'feedparser', 'prometheus_client', "
             "'numpy', 'sqlalchemy.orm') if name in sys.modules))\nsys.exit(code)")
    done = subprocess.run([sys.executable, "-c", probe], input="/parade when\nquit\n", capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parent.parent,
                          env={**os.environ, "PARADE_DATABASE_URL": url})
    assert done.returncode == 0, done.stderr
    assert SEED_WHEN in done.stdout and done.stdout.strip().endswith("loaded: []")


@pytest.mark.parametrize("database_url", [None, "postgresql+psycopg://parade:s3cret-pass@db.example/parade"])
@pytest.mark.parametrize("argv", [["say", "/parade who Putin"], ["ask", "who is not attending?"]])
def test_one_shot_answers_load_no_database_or_platform_library(argv, database_url):
    """`say` and `ask` start in a fraction of a second because they import only the core: the
    database, HTTP, scheduler and platform libraries are for the modes that serve (a database URL in
    the environment is read for its password, to keep out of logs, without the database library)."""
    probe = ("import sys\nfrom adapters.cli import main\ncode = main(sys.argv[1:])\n"
             "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'aiohttp', 'apscheduler', "
             "'discord', 'slack_bolt', 'slack_sdk', 'feedparser', 'watchfiles'})\n"
             "print('loaded:', heavy)\nsys.exit(code)")
    env = {k: v for k, v in os.environ.items() if k != "PARADE_DATABASE_URL"}
    if database_url:
        env["PARADE_DATABASE_URL"] = database_url
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parent.parent, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("loaded: []")
