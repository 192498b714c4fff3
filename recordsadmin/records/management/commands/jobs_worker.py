"""`manage.py jobs_worker`: django-tasks-db's `db_worker`, which also takes over the jobs of
workers that died.

Run as many as you like, on as many machines: each takes queued tasks (the queue hands each to
one worker), and each looks every few seconds for a bulk job whose heartbeat is older than
settings.BULK_STALE_SECONDS (its worker was killed, or its machine went away) and queues it
again; the conditional update in recordsadmin/records/bulk/jobs.py lets only one of them do so,
and the job resumes with the items still pending.
"""

import logging
import threading

from django.conf import settings
from django.db import DatabaseError, connection
from django_tasks_db.management.commands import db_worker

from recordsadmin.records.bulk import jobs

logger = logging.getLogger(__name__)


def watch(stop: threading.Event) -> None:
    """Until `stop` is set: resume the jobs whose worker stopped."""
    every = max(1.0, float(settings.BULK_STALE_SECONDS) / 4)
    while not stop.wait(every):
        try:
            resumed = jobs.jobs_resume_stale()
        except DatabaseError as error:  # the database away for a moment: try again later
            logger.warning("could not look for jobs left by a stopped worker: %s", error)
            resumed = 0
        finally:
            connection.close()
        if resumed:
            logger.warning("took over %d job(s) left by a stopped worker", resumed)


class Command(db_worker.Command):
    help = "Run bulk jobs (django-tasks-db's db_worker) and take over those of stopped workers"

    def handle(self, *args, **options):
        stop = threading.Event()
        watcher = threading.Thread(target=watch, args=(stop,), name="jobs-watch", daemon=True)
        watcher.start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
