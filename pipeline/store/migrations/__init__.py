"""Alembic migrations of the newsdedup schema (run by ``newsdedup db upgrade``; see
:mod:`pipeline.store.schema`). Every schema change from 0002 on is a revision here."""
