"""The appeal ledger: schema and migrations, the store (SQLite or PostgreSQL), reconcile (outcomes from 835s)."""
