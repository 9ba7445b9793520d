"""Which organisation gets an appeal: the block's lead, a co-executor, or the municipality.

Follows seeds/README.md: a block's agencies come from block_agencies.csv, the
lead valid on the appeal's date wins (a retired one hands over to its
successor), and the municipal administrations take their share of the
municipal topics (yards, local roads, housing).
"""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import date

from orchestration.generate.behaviour import CO_EXECUTOR_SHARE, MUNICIPAL_SHARE, AgencyProfile, agency_profile
from orchestration.generate.reference import Agency, Municipality, Reference


class Router:
    """Agency choices, cached per (block, municipality, validity epoch)."""

    def __init__(self, ref: Reference, seed: int):
        self.ref = ref
        self.profiles: dict[str, AgencyProfile] = {
            agency_id: agency_profile(seed, agency_id, agency.kind) for agency_id, agency in ref.agencies.items()
        }
        # Dates on which some agency starts or stops: between two of them every choice is the same.
        changes = set()
        for agency in ref.agencies.values():
            changes.add(agency.valid_from)
            if agency.valid_to:
                changes.add(date.fromordinal(agency.valid_to.toordinal() + 1))
        self._changes = sorted(changes)
        self._municipal = {a.oktmo: a for a in ref.agencies.values() if a.kind == "municipal" and a.oktmo}
        self._cache: dict[tuple[str, str, int], tuple[Agency, Agency | None, list[Agency]]] = {}
        self._fallback_block = "other" if "other" in ref.block_agencies else next(iter(ref.block_agencies), "")

    def _current(self, agency: Agency, day: date) -> Agency | None:
        seen = set()
        while not agency.valid_on(day):
            if not agency.successor_id or agency.successor_id in seen or agency.successor_id not in self.ref.agencies:
                return None
            seen.add(agency.successor_id)
            agency = self.ref.agencies[agency.successor_id]
        return agency

    def _options(self, block: str, municipality: Municipality, day: date) -> tuple[Agency, Agency | None, list[Agency]]:
        key = (block, municipality.oktmo, bisect_right(self._changes, day))
        found = self._cache.get(key)
        if found is not None:
            return found
        members = self.ref.block_agencies.get(block) or self.ref.block_agencies.get(self._fallback_block, [])
        leads = [self._current(self.ref.agencies[a], day) for a, role in members if role == "lead"]
        leads = [a for a in leads if a is not None]
        if not leads:
            leads = [a for a in self.ref.agencies.values() if a.kind == "regional" and a.valid_on(day)][:1]
        if not leads:
            raise ValueError(
                f"no agency of region {self.ref.region.code} is valid on {day} for block {block}; "
                "check valid_from/valid_to in agencies.csv"
            )
        municipal = self._municipal.get(municipality.oktmo)
        if municipal is not None and not municipal.valid_on(day):
            municipal = self._current(municipal, day)
        co = [
            self._current(self.ref.agencies[a], day)
            for a, role in members
            if role == "co_executor" and self.ref.agencies[a].kind != "municipal"
        ]
        found = (leads[0], municipal, [a for a in co if a is not None])
        self._cache[key] = found
        return found

    def executor(self, rng: random.Random, block: str, municipality: Municipality, day: date) -> Agency:
        lead, municipal, co = self._options(block, municipality, day)
        u = rng.random()
        if municipal is not None and u < MUNICIPAL_SHARE.get(block, 0.0):
            return municipal
        if co and rng.random() < CO_EXECUTOR_SHARE:
            return co[int(rng.random() * len(co))]
        return lead

    def misrouted(
        self, rng: random.Random, final: Agency, block: str, municipality: Municipality, day: date
    ) -> tuple[Agency, bool] | None:
        """Where a misrouted appeal landed first, and whether it then went up (True) or down (False)."""
        lead, municipal, _co = self._options(block, municipality, day)
        if final.kind == "municipal":
            return lead, False
        if municipal is not None:
            return municipal, True
        others = [a for a in self.ref.agencies.values() if a.kind == "regional" and a is not final and a.valid_on(day)]
        if not others:
            return None
        return others[int(rng.random() * len(others))], True

    def spelling(self, rng: random.Random, agency: Agency, alias_rate: float) -> str:
        """The agency's name as a source writes it: the full name, now and then an alias from the seeds."""
        aliases = self.ref.aliases.get(agency.agency_id)
        if aliases and rng.random() < alias_rate:
            return aliases[int(rng.random() * len(aliases))]
        return agency.name
