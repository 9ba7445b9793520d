"""The official dashboards: the Superset bundle, its import, roles and the servers (`tsur serve`)."""
