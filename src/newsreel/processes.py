"""Whether a process still runs: what a killed build left can be swept, a running one's not.

Scratch files in the media cache (`<pid>-...`) and staging folders beside the output
(`.output.building-<pid>`) carry the id of the process that writes them, so the next build can
remove those of processes that are gone. One answer for both, here.
"""

from __future__ import annotations

import os


def running(pid: int) -> bool:
    """Whether a process with this id runs on this machine (signal 0 checks, sends nothing);
    this process counts, another user's counts, and so does anything that is not a process id
    (left be)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    except OverflowError:  # no process has so large an id
        return False
    return True
