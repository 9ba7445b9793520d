"""The warehouse as a Dagster resource."""

from __future__ import annotations

import psycopg
from dagster import ConfigurableResource

from orchestration.db.connection import connect, database_url
from orchestration.settings import load_settings


class WarehouseResource(ConfigurableResource):
    """The PostgreSQL warehouse.

    Where it is comes from the environment (TSUR_DATABASE_URL, or the embedded
    server under TSUR_HOME), read by :mod:`orchestration.settings` — the one
    place that decides local vs production — so the resource has no fields.
    """

    def url(self) -> str:
        return database_url(load_settings())

    def connect(self) -> psycopg.Connection:
        return connect(self.url())
