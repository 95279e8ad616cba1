"""courtside: local-first analytics for social-media posts about the NBA."""

from courtside.config import Settings, load_settings
from courtside.errors import CourtsideError

__version__ = "0.1.0"

__all__ = ["CourtsideError", "Settings", "__version__", "load_settings"]
