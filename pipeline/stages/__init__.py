"""The stages, one module each. Their order is ``ITEM_PIPELINES`` in ``settings/``."""
