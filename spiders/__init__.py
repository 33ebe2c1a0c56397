"""Scrapy spiders. They feed the same item pipeline (settings.ITEM_PIPELINES) as local ingestion."""
