"""Tampering detection (``courtside detect``): the original's Flink application.

The logic (:mod:`courtside.detect.logic`) is written once; the embedded event-time engine
(:mod:`courtside.detect.embedded`, the default) and the PyFlink job
(:mod:`courtside.detect.flink_job`, run locally by :mod:`courtside.detect.flink_runner`)
are thin runners around it.
"""
