"""Background tasks (Django's task framework; `manage.py db_worker` runs them)."""

from django.tasks import task

from recordsadmin.records import bulk


@task
def run_bulk_job(job_id: str) -> str:
    """Run a bulk job until its pending items are done; safe to run again after a restart."""
    job = bulk.job_run(job_id=job_id)
    return job.status
