"""Loading the production reference data (the product taxonomy and the default value-chain template), shared
by the migrations that first load it and the test suite, which reloads it after a flush."""

from __future__ import annotations

from typing import Any

from mardom.core.text import search_key

from .chain_defaults import DEFAULT_STAGES
from .taxonomy import PRODUCTS


def load_products(Product: Any, *, using: str = "default") -> None:
    Product.objects.using(using).bulk_create([
        Product(code=code, name=name, search_key=search_key(name), category=category, unit=unit, value_chain=chain)
        for code, name, category, unit, chain in PRODUCTS
    ])


def load_default_chain(ChainTemplate: Any, ChainStage: Any, *, using: str = "default") -> None:
    template, _created = ChainTemplate.objects.using(using).get_or_create(value_chain="default")
    if not ChainStage.objects.using(using).filter(template=template).exists():
        ChainStage.objects.using(using).bulk_create([
            ChainStage(template=template, position=i, kind=kind, name=name, sources=sources)
            for i, (kind, name, sources) in enumerate(DEFAULT_STAGES, start=1)
        ])
