"""The task the worker runs for a bulk job (Django's task framework; `manage.py jobs_worker`)."""

from django.tasks import task

from .runner import job_run


@task
def run_bulk_job(job_id: str) -> str:
    """Run a bulk job until its pending items are done; safe to run again after a restart."""
    return job_run(job_id=job_id).status
