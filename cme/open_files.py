"""The server's open-files limit, raised at start so that connections, not descriptors,
are what the per-source caps limit.

Every SIP, SCCP and CLI connection holds a descriptor; with the usual soft limit of 1024
one client holding a thousand idle connections left no descriptor for a phone's Register
or an administrator's SSH (issue 13). The soft limit may be raised to the hard limit
without privileges, so the server does that once at start and logs what it has.
"""
from __future__ import annotations

import resource

from actors.trace import TraceLogger

log = TraceLogger(namespace="cme.service")


def raise_open_files_limit(getrlimit=resource.getrlimit, setrlimit=resource.setrlimit,
                           logger=log) -> tuple[int, int]:
    """Set the soft RLIMIT_NOFILE to the hard limit (an infinite hard limit: leave the soft
    one as it is, since descriptor tables are sized from it); never fails. Logs one line,
    "open files: soft S (was W), hard H", and returns (soft, hard) as they are now."""
    try:
        was, hard = getrlimit(resource.RLIMIT_NOFILE)
    except (ValueError, OSError) as e:
        logger.warn("open files: limit unknown: {error}", error=str(e))
        return -1, -1
    soft = was
    if hard != resource.RLIM_INFINITY and (was == resource.RLIM_INFINITY or was < hard):
        try:
            setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError) as e:
            logger.warn("open files: cannot raise the soft limit {soft} to {hard}: {error}",
                        soft=_shown(was), hard=_shown(hard), error=str(e))
    logger.info("open files: soft {soft} (was {was}), hard {hard}",
                soft=_shown(soft), was=_shown(was), hard=_shown(hard))
    return soft, hard


def _shown(limit: int) -> str:
    return "unlimited" if limit == resource.RLIM_INFINITY else str(limit)
