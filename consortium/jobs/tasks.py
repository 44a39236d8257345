"""Every domain's tasks, imported so that they register (``consortium.jobs.registry``) before a worker starts or a
job is queued. A domain with background work adds its ``tasks`` module here."""

from consortium.bids import tasks as bids_tasks
from consortium.documents import tasks as documents_tasks
from consortium.mail import tasks as mail_tasks
from consortium.reminders import tasks as reminders_tasks

__all__ = ["bids_tasks", "documents_tasks", "mail_tasks", "reminders_tasks"]
