"""The delivery stream (``courtside deliver``): Firehose + transform Lambda.

A user's transform module imports its result types from here::

    from courtside.deliver import Dropped, Ok, ProcessingFailed
"""

from courtside.deliver.transform import Dropped, Ok, ProcessingFailed, Result

__all__ = ["Dropped", "Ok", "ProcessingFailed", "Result"]
