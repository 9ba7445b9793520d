"""Database access: the embedded server, connections and the raw-layer schema."""
