"""The ``appeal`` program: ``python -m appeal``, and the ``appeal`` script (pyproject's ``[project.scripts]``
names :func:`main`)."""

import gc


def main() -> None:
    """The command line, with the cyclic garbage collector off from its first import on: the modules a
    command imports live as long as the process, so passes over them free nothing (``app.pause_gc``). The
    script used to import ``appeal.cli`` itself, with the collector on: 35 passes, about 4 ms a cold start.

    However the command ends, what the process holds is frozen before the interpreter shuts down: its final
    collection would traverse every module, class and table only to free them as the process exits (9% of a
    cold ``validate``'s instructions). Shutdown still runs the exit handlers, flushes and closes open files
    and frees what nothing else refers to; a cycle left when the command ends stays unfreed, as the process
    ends with it."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        from appeal.cli import main as run
        from appeal.cli.app import pause_gc

        pause_gc(collecting)  # the command turns it back on when it begins (or as it ends)
        run()
    finally:
        gc.freeze()


if __name__ == "__main__":
    main()
