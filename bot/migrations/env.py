"""Alembic's environment for parade-bot's schema.

It is run only by bot.persistence (start-up, `parade-bot db ...`), which builds the Alembic config in code
and passes a connection already inside the transaction that holds the migration lock: this file opens no
connection of its own and reads no URL, so no setting or secret lives in any file here.
"""

from __future__ import annotations

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.types import TypeDecorator

from bot.persistence import metadata


def render_item(type_: str, obj: object, autogen_context: AutogenContext) -> str | bool:
    """A new revision spells a custom column type (UtcDateTime) as the type it stores (sa.DateTime()), so a
    revision never imports the live models, which keep changing after it is written."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite alters a table by copying it ("batch" mode); the same operations run as plain ALTERs elsewhere.
    render_as_batch=connection.dialect.name == "sqlite",
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
