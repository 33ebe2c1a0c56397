"""The ``files`` spider: local files and directories as items, for ``scrapy crawl files -a path=…``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy

from pipeline.inputs import iter_documents
from pipeline.items import Document
from settings.config import Config


class FilesSpider(scrapy.Spider):
    """Yields one :class:`Document` per file under ``path`` (comma-separated for several).

    Directories are walked recursively for ``NEWSDEDUP_FILE_SUFFIXES``. Each
    item carries the raw bytes and the provenance (``file://`` URI, size,
    mtime, sha256); files that cannot be read still yield an item with the
    reason, so that the decode stage records the failure.
    """

    name = "files"

    def __init__(self, path: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not path:
            raise ValueError("the files spider needs -a path=FILE_OR_DIR[,FILE_OR_DIR...]")
        self.paths = [p for p in path.split(",") if p]

    async def start(self) -> AsyncIterator[Document]:
        config = Config.from_settings(self.settings)
        for doc in iter_documents(self.paths, config.file_suffixes, config.max_bytes,
                                  config.follow_symlinks):
            yield doc
