"""The suite's one way to run ``courtside`` (behind the ``courtside`` fixture).

Calling it runs the command as a user does: a subprocess of this interpreter with its own
cwd and an environment without any ``COURTSIDE_*`` variable (``env`` adds to it);
:meth:`Courtside.start` starts one in the background.
:meth:`Courtside.invoke` runs it in this process with Typer's ``CliRunner``, for tests
that look at the command's output only and want no interpreter start-up per call.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: The command line of ``courtside`` in a subprocess (the console script may not be on
#: PATH, and this interpreter is the one with the package under test).
COMMAND = (sys.executable, "-c", "from courtside.cli import main; main()")


def user_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment without ``COURTSIDE_*`` variables, plus ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("COURTSIDE_")}
    return {**base, **(env or {})}


class Courtside:
    """Runs ``courtside``; see the module docstring."""

    command = COMMAND

    def __call__(
        self,
        *args: str,
        home: Path | None = None,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        stdin: bytes | str | None = None,
        ok: bool = True,
        code: int | None = None,
        timeout_s: float = 300,
        text: bool = False,
    ) -> subprocess.CompletedProcess[Any]:
        """Run ``courtside [--home HOME] ARGS`` with stdout and stderr piped.

        With ``ok`` the command must exit 0, with ``code`` it must exit ``code`` (the
        assertion shows its output). With ``text`` the output is ``str``, else ``bytes``.
        """
        proc = subprocess.run(
            [*self.command, *self.argv(args, home)],
            input=stdin,
            capture_output=True,
            timeout=timeout_s,
            cwd=cwd,
            env=user_env(env),
            text=text,
        )
        expected = code if code is not None else 0 if ok else None
        if expected is not None and proc.returncode != expected:
            out, err = (
                (proc.stdout, proc.stderr)
                if text
                else (
                    proc.stdout.decode(errors="replace"),
                    proc.stderr.decode(errors="replace"),
                )
            )
            raise AssertionError(
                f"courtside {' '.join(args)} exited {proc.returncode}, not {expected}:\n{out}{err}"
            )
        return proc

    def start(
        self,
        *args: str,
        home: Path | None = None,
        env: Mapping[str, str] | None = None,
        **popen: Any,
    ) -> subprocess.Popen[bytes]:
        """Start ``courtside [--home HOME] ARGS`` in the background (for tests that run
        several at once or stop one), stdout and stderr piped unless ``popen`` (passed to
        :class:`subprocess.Popen`) says otherwise."""
        popen.setdefault("stdout", subprocess.PIPE)
        popen.setdefault("stderr", subprocess.PIPE)
        return subprocess.Popen([*self.command, *self.argv(args, home)], env=user_env(env), **popen)

    def invoke(
        self,
        *args: str,
        home: Path | None = None,
        env: Mapping[str, str] | None = None,
        input: str | bytes | None = None,
    ) -> Any:
        """Run ``courtside [--home HOME] ARGS`` in this process; return Click's ``Result``
        (``exit_code``, ``output``, ``exception``)."""
        from typer.testing import CliRunner

        from courtside.cli import app

        return CliRunner().invoke(app, self.argv(args, home), env=env, input=input)

    @staticmethod
    def argv(args: tuple[str, ...], home: Path | None) -> list[str]:
        """The arguments after the program: ``--home HOME`` first when given."""
        return [*(["--home", str(home)] if home is not None else []), *args]


courtside = Courtside()
