"""The data generator (``courtside generate``)."""

from courtside.generate.generator import MALFORMED_KINDS, Generator, GeneratorConfig, generate

__all__ = ["MALFORMED_KINDS", "Generator", "GeneratorConfig", "generate"]
