"""gunicorn's settings, read from the directory it starts in: this checkout (README, Deployment)."""

import sys

from gunicorn.arbiter import Arbiter


def post_worker_init(worker) -> None:
    """Stop gunicorn when its workers would each count the rate limits alone (README, Redis).

    A worker that exits with this status before it serves makes the master stop too.
    """
    from classroom.ratelimits import workers_may_serve

    if not workers_may_serve(worker.wsgi, worker.cfg.workers):
        sys.exit(Arbiter.WORKER_BOOT_ERROR)
