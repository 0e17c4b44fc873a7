"""The schema as the bot created it before Alembic (Base.metadata.create_all, parade_meta.schema_version 1).

A database made by that code is stamped at this revision without running it (bot.persistence), so this
must stay exactly what create_all made: the same tables, columns, types, unnamed unique constraints,
foreign keys and indexes, on SQLite and PostgreSQL.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parade_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("subscribed_at", sa.DateTime(), nullable=False),
        sa.Column("inactive_reason", sa.String(256), nullable=True),
        sa.UniqueConstraint("platform", "workspace", "channel"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.Integer(), sa.ForeignKey("subscriptions.id"), nullable=False),
        sa.Column("reminder_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("detail", sa.String(500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("retry_safe", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("subscription_id", "reminder_id"),
    )
    op.create_table(
        "feed_state",
        sa.Column("url", sa.String(1000), primary_key=True),
        sa.Column("etag", sa.String(500), nullable=True),
        sa.Column("last_modified", sa.String(100), nullable=True),
        sa.Column("next_poll", sa.DateTime(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("last_status", sa.String(300), nullable=True),
        sa.Column("last_fetch", sa.DateTime(), nullable=True),
        sa.Column("items_seen", sa.Integer(), nullable=False),
    )
    op.create_table(
        "feed_items",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("story", sa.String(64), nullable=False),
        sa.Column("title_date", sa.String(64), nullable=False),
        sa.Column("link", sa.String(1000), nullable=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("summary", sa.String(1000), nullable=False),
        sa.Column("outlet", sa.String(100), nullable=False),
        sa.Column("feed_url", sa.String(1000), nullable=False),
        sa.Column("published", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_feed_items_seen_at", "feed_items", ["seen_at"])
    op.create_index("ix_feed_items_story", "feed_items", ["story"])
    op.create_table(
        "feed_optouts",
        # A key that is also a foreign key: no sequence of its own (SERIAL on PostgreSQL), as create_all made it.
        sa.Column("subscription_id", sa.Integer(), sa.ForeignKey("subscriptions.id"), primary_key=True,
                  autoincrement=False),
    )
    op.create_table(
        "content_reloads",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("hash_before", sa.String(64), nullable=False),
        sa.Column("hash_after", sa.String(64), nullable=True),
        sa.Column("summary", sa.String(2000), nullable=False),
    )


def downgrade() -> None:
    for table in ("content_reloads", "feed_optouts", "feed_items", "feed_state", "deliveries", "subscriptions",
                  "parade_meta"):
        op.drop_table(table)
