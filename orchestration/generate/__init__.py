"""Demo region generator: what a real ЦУР receives, in the real formats, from a seed.

`generate_region` writes weekly ПОС and Инцидент Менеджмент exports, a
regional portal export, the roadmap, indicators and staff files, plus
manifest.json (and defects.json when asked to spoil rows). See
docs/feeds.md for the formats and the ingestion's file-name patterns.
"""

from orchestration.generate.region import GenerationSummary, generate_region

__all__ = ["GenerationSummary", "generate_region"]
