"""The database behind evidence, sessions and approvals: SQLite by default, PostgreSQL at scale."""

from vallum.storage.database import Database, default_database_url

__all__ = ["Database", "default_database_url"]
