"""The read-only web view: ``newsdedup serve`` (see :mod:`pipeline.query.web.app`)."""
