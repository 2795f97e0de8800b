"""Which catalogue items apply to an enterprise.

An item applies when the enterprise's kind is one of the item's kinds (or the item is for all
kinds), its industry is among the item's industries (when the item names any), and the enterprise
has what the item requires (a major hazard source, a key process …). For a "两重点一重大"
enterprise the major-accident-hazard items are always in scope, whatever their kinds say. Items
come back in catalogue order, catalogue by catalogue.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .enterprise import KIND_ALL, EnterpriseProfile


@dataclass(frozen=True)
class Selected:
    catalogue: object  # domain.catalogue.Catalogue
    item: object  # domain.catalogue.Item
    reason: str  # why it is in scope, for the officer adjusting the list


def _has(profile: EnterpriseProfile, requirement: str) -> bool:
    return {
        "major_hazard_source": bool(profile.major_hazard_sources),
        "key_process": bool(profile.key_processes),
        "key_chemical": bool(profile.key_chemicals),
        "two-key-one-major": profile.is_key,
    }.get(requirement, False)


def applies(item, profile: EnterpriseProfile) -> str | None:
    """The reason the item applies, or None."""
    if item.major_hazard and profile.is_key:
        return "两重点一重大企业：重大事故隐患判定项目全部检查"
    kinds = set(item.kinds)
    if KIND_ALL not in kinds and profile.kind not in kinds:
        return None
    industries = tuple(getattr(item, "industries", ()) or ())
    if industries and profile.industry not in industries:
        return None
    requires = tuple(getattr(item, "requires", ()) or ())
    if not all(_has(profile, r) for r in requires):
        return None
    return "适用于该企业类型"


def select_items(catalogues: Iterable, profile: EnterpriseProfile) -> list[Selected]:
    chosen: list[Selected] = []
    for catalogue in catalogues:
        for item in catalogue.items:
            reason = applies(item, profile)
            if reason:
                chosen.append(Selected(catalogue, item, reason))
    return chosen
