"""Pulse: SQL-first analytics on dbt and PostgreSQL."""
