"""The ``appeal`` program: ``python -m appeal``, and the ``appeal`` script (pyproject's ``[project.scripts]``
names :func:`main`)."""

import gc


def main() -> None:
    """The command line, with the cyclic garbage collector off from its first import on: the modules a
    command imports live as long as the process, so passes over them free nothing (``app.pause_gc``). The
    script used to import ``appeal.cli`` itself, with the collector on: 35 passes, about 4 ms a cold start."""
    collecting = gc.isenabled()
    gc.disable()
    from appeal.cli import main as run
    from appeal.cli.app import pause_gc

    pause_gc(collecting)  # the command turns it back on when it begins (or as it ends)
    run()


if __name__ == "__main__":
    main()
