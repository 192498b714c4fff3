"""The dashboard as a fleet on this machine: gunicorn processes and task workers of their own,
on the test database and a test Redis, each its own process as on separate machines."""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from django.db import connection

from .redis import free_port

ROOT = Path(__file__).resolve().parents[2]
# gunicorn's access log line: 127.0.0.1 - - [02/Dec/2026:13:40:00 +0000] "GET ..." 200
ACCESS_LINE = re.compile(r'^\S+ - \S+ \[[^]]+\] "')


def database_url() -> str:
    """The URL of the test database, for processes of their own."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host = f"{db['HOST'] or ''}:{db['PORT'] or ''}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}/{db['NAME']}"


class Fleet:
    """Processes sharing one environment; `stop()` ends them all."""

    def __init__(self, **env: str) -> None:
        self.folder = tempfile.mkdtemp(prefix="recordsadmin-fleet-")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("GHL_", "SANDBOX_"))},
            "DJANGO_SETTINGS_MODULE": "recordsadmin.settings",
            "DJANGO_SECRET_KEY": "fleet-tests-only-" + "k" * 40,
            "DJANGO_DEBUG": "0",
            "DJANGO_HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "RECORDSADMIN_DATA_DIR": self.folder,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            **env,
        }
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []
        # Production settings serve the collected, hashed static files: collect them first.
        self.manage("collectstatic", "--noinput", "-v0")

    def manage(self, *args: str) -> str:
        """`manage.py <args>` in the fleet's environment; what it printed."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def _start(self, name: str, command: list[str], **env: str) -> subprocess.Popen:
        log = Path(self.folder) / f"{name}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env={**self.env, **env}, stdout=out, stderr=subprocess.STDOUT
            )
        self.processes.append(process)
        return process

    def web(self, port: int, **env: str) -> str:
        """A gunicorn process on `port` (4 threads); its base URL once it answers.

        The first answer may be slow on a loaded machine (the process imports Django and opens
        its first database connection), so only a refused connection is retried at once; a
        started process gets up to a minute for that answer.
        """
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        command = [gunicorn, "recordsadmin.wsgi", "--workers=1", "--threads=4"]
        command += [f"--bind=127.0.0.1:{port}", "--access-logfile=-", "--log-level=warning"]
        process = self._start(f"web-{port}", command, **env)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                requests.get(base + "/healthz", timeout=(2, 60))
                return base
            except (requests.ConnectionError, requests.Timeout):
                if process.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn on {port} did not start:\n{self.logs[-1].read_text()}")

    def worker(self, worker_id: str, **env: str) -> subprocess.Popen:
        """A task worker (`manage.py jobs_worker`) with this id."""
        command = [sys.executable, "manage.py", "jobs_worker", "--interval", "0.2"]
        command += ["--no-startup-delay", "--no-reload", "--worker-id", worker_id]
        return self._start(f"worker-{worker_id}", command, **env)

    def kill(self, process: subprocess.Popen) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def log_text(self) -> str:
        return "".join(log.read_text(errors="replace") for log in self.logs if log.exists())

    def stop(self) -> None:
        """Ends the processes; prints what they logged besides access lines (the last 200
        lines), which pytest shows when the test failed: a worker timeout, a traceback."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        told = [line for line in self.log_text().splitlines() if not ACCESS_LINE.match(line)]
        if told:
            print("what the fleet's processes logged:", *told[-200:], sep="\n")
        shutil.rmtree(self.folder, ignore_errors=True)


def port() -> int:
    return free_port()


def sign_in_attempt(
    base: str, username: str, password: str, session: requests.Session | None = None
) -> requests.Response:
    """One sign-in as a browser sends it: the answer (a 302 when it succeeded)."""
    session = session or requests.Session()
    session.trust_env = False
    page = session.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=30,
        allow_redirects=False,
    )


def signed_in(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    answer = sign_in_attempt(base, username, password, session)
    assert answer.status_code == 302, answer.text[:500]
    return session


def start_bulk_delete(session: requests.Session, base: str, key: str, query: str) -> str:
    """Preview then start a bulk delete of every record the table's `query` ("?...") finds,
    as a person would; the job's page path."""
    headers = {"X-CSRFToken": session.cookies["csrftoken"], "Referer": base + "/"}
    form = {"all": "1", "query": query, "action": "delete"}
    preview = session.post(f"{base}/objects/{key}/bulk/", data=form, headers=headers, timeout=60)
    once = re.search(r'name="submission" value="([0-9a-f-]{36})"', preview.text)
    assert once, preview.text[:1000]
    started = session.post(
        f"{base}/objects/{key}/bulk/start/",
        data={**form, "submission": once.group(1)},
        headers=headers,
        timeout=60,
        allow_redirects=False,
    )
    assert started.status_code == 302, started.text[:1000]
    return started.headers["Location"]
