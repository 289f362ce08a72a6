"""
Hostname callable for the local deployment's Celery workers.

Both workers run on one machine, so ``socket.getfqdn()`` would give them the same name and
the task instances' ``hostname`` field could not tell them apart. ``deploy/local`` points
``[core] hostname_callable`` of each worker at :func:`get_hostname` and sets
``DEPLOY_WORKER_HOSTNAME`` per worker (``deploy-worker-1``, ``deploy-worker-2``).
"""

from __future__ import annotations

import os
import socket


def get_hostname() -> str:
    """Return ``$DEPLOY_WORKER_HOSTNAME``, or the machine's FQDN when it is unset."""
    return os.environ.get("DEPLOY_WORKER_HOSTNAME") or socket.getfqdn()
