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
import time

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, connections
from django_tasks_db.management.commands import db_worker

from recordsadmin.records.bulk import jobs

logger = logging.getLogger(__name__)

# How long a worker whose database went away (a restart) waits before it takes tasks again.
DATABASE_RETRY_SECONDS = 2.0


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
            while True:
                try:
                    return super().handle(*args, **options)
                except (OperationalError, InterfaceError) as error:
                    # db_worker ends on any database error but a lock; a restart of the
                    # database would leave no worker running. A job cut short by it is taken
                    # over once its heartbeat is stale (watch above).
                    logger.warning(
                        "the database is unavailable (%s); taking tasks again in %.0f s",
                        error,
                        DATABASE_RETRY_SECONDS,
                    )
                    connections.close_all()
                    time.sleep(DATABASE_RETRY_SECONDS)
        finally:
            stop.set()
