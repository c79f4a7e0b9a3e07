"""Run a command that Linux stops (TERM) when the process that started it dies.

``python scripts/exec_with_parent.py PID ARGS`` sets the parent-death signal (prctl
PR_SET_PDEATHSIG) and then becomes ``python ARGS`` (it execs, keeping its process id; the
signal survives the exec). PID is the parent that started it: if that has died already,
before the signal was set, it stops at once. make run starts the Celery worker this way:
the worker runs in a session of its own (scripts/run-dev.sh says why), so a KILL of make
run's process group, which no trap can answer, would otherwise leave it running.
"""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # linux/prctl.h

parent, command = int(sys.argv[1]), sys.argv[2:]
if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
    raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
if os.getppid() != parent:
    sys.exit(f"{sys.argv[0]}: the process that started it ({parent}) has ended")
os.execv(sys.executable, [sys.executable, *command])  # noqa: S606 - this Python, as asked
