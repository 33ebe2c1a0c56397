"""newsdedup: clean news pages, find the copies of each story, store one canonical article each.

The public API is small:

- :func:`pipeline.runner.ingest` runs the stages over local files;
- :class:`pipeline.storage.Database` opens the database;
- :mod:`pipeline.query` reads it back;
- :mod:`pipeline.errors` holds every exception newsdedup raises.
"""

__version__ = "0.1.0"
