"""Queue again the bulk jobs whose worker stopped (a restart), so they resume where they were."""

from django.core.management.base import BaseCommand

from recordsadmin.records.bulk import jobs, runner


class Command(BaseCommand):
    help = (
        "Resume bulk jobs left running by a stopped worker. By default only those silent for "
        f"{runner.stale_seconds():.0f} s; --all for every one (when no worker is running, as when "
        "`make demo` starts)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every running job, however fresh")

    def handle(self, *args, **options):
        count = jobs.jobs_resume_stale(everything=options["all"])
        if count:
            self.stdout.write(f"Resumed {count} bulk job{'s' if count != 1 else ''}.")
