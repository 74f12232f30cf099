import gc

_collecting = gc.isenabled()
gc.disable()  # off from the first import on (appeal.cli.app.pause_gc says why)

from appeal.cli import main  # noqa: E402
from appeal.cli.app import pause_gc  # noqa: E402

pause_gc(_collecting)  # main() turns it back on when its command begins (or as it ends)
main()
