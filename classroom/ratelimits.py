"""Whether the rate limits hold as docs/security.md states them under a server of several workers.

With `RATELIMIT_STORAGE_URI=memory://` every worker counts alone, so an address gets the
limits once per worker. gunicorn asks `workers_may_serve` from `gunicorn.conf.py`.
"""

from flask import Flask


def counts_per_process(app: Flask) -> bool:
    """Whether the app's rate limits are counted in each process's own memory."""
    config = app.config
    enabled = config.get("RATELIMIT_ENABLED", True)
    return bool(enabled) and str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://")


def workers_may_serve(app: object, workers: int) -> bool:
    """Whether `workers` processes may serve the app; says in its log why not, or what it costs.

    Outside debug mode and tests, several workers on memory storage are refused unless
    `RATELIMIT_PER_WORKER_OK` accepts limits per worker; then it is logged as an error.
    """
    if not isinstance(app, Flask) or workers <= 1 or app.debug or app.testing:
        return True
    if not counts_per_process(app):
        return True
    if app.config.get("RATELIMIT_PER_WORKER_OK"):
        app.logger.error(
            "Rate limits count per worker (RATELIMIT_PER_WORKER_OK): with %d workers on "
            "memory:// an address gets up to %d times the failed logins and wrong join codes "
            "docs/security.md states. Only RATELIMIT_STORAGE_URI=redis://… keeps those figures.",
            workers,
            workers,
        )
        return True
    app.logger.critical(
        "Not starting: with %d workers and RATELIMIT_STORAGE_URI=memory:// each worker counts "
        "failed logins and wrong join codes alone, up to %d times the limits docs/security.md "
        "states. Set RATELIMIT_STORAGE_URI=redis://… (docs/deployment.md, What needs Redis), "
        "or accept limits per worker with RATELIMIT_PER_WORKER_OK=true.",
        workers,
        workers,
    )
    return False
