"""Background work on SAQ: named tasks (``registry``), a queue in the database we already run (``queue``) and the
workers that take from it (``worker``). Domain packages declare their tasks in their own ``tasks.py``."""

from consortium.jobs.registry import cron, task

__all__ = ["cron", "task"]
