"""Run the embedded application: one Celery worker and the Django development server.

Contract (used by `make run`, which has already migrated and loaded the demo school):
- PORT chooses the port (default 8000); the server listens on 127.0.0.1 only.
- DJANGO_DEBUG is set to true unless the caller set it.
- The worker uses the broker from settings (the filesystem broker in var/celery by default, no Redis)
  and runs the periodic schedule too (embedded beat), so one process does all background work.
- The address and the demo logins are printed once the server answers and the worker has logged
  "ready" (or after READY_TIMEOUT_SECONDS, whichever comes first).
- Both children run in their own process groups. Ctrl-C, SIGTERM or SIGHUP is passed to both; when
  either exits, the other is stopped as well. On Linux the children also die if this script is killed.
- Exit status: 0 after a requested stop, otherwise the status of the child that died first (1 if it
  exited with 0, since neither should stop by itself).
"""

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
STOP_GRACE_SECONDS = 10
READY_TIMEOUT_SECONDS = 60
POLL_SECONDS = 0.2
PR_SET_PDEATHSIG = 1

# Loaded here, not in the forked child, which should do as little as possible before exec.
_LIBC = ctypes.CDLL(None) if sys.platform.startswith("linux") else None
_stop_signal: int | None = None


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.setdefault("DJANGO_DEBUG", "true")
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _request_stop)

    worker = _spawn(_worker_command(env), env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    web = _spawn([sys.executable, "manage.py", "runserver", f"{HOST}:{port}", "--noreload"], env)
    children = {"worker": worker, "web": web}
    # Started only after both forks: preexec_fn is not safe while other threads run.
    worker_ready = threading.Event()
    threading.Thread(target=_relay_worker_log, args=(worker, worker_ready), daemon=True).start()

    started = time.monotonic()
    announced = False
    dead: str | None = None
    while _stop_signal is None and dead is None:
        dead = next((name for name, child in children.items() if child.poll() is not None), None)
        timed_out = time.monotonic() - started > READY_TIMEOUT_SECONDS
        if dead is None and not announced and (worker_ready.is_set() or timed_out) and _port_open(port):
            _announce(port, env)
            announced = True
        time.sleep(POLL_SECONDS)

    if dead is not None:
        print(f"\n{dead} exited with status {children[dead].returncode}; stopping the rest.", flush=True)
    _stop_all(children.values())
    if dead is None:
        return 0
    return children[dead].returncode or 1


def _worker_command(env: dict[str, str]) -> list[str]:
    # Same place as settings.VAR_DIR; read from the environment so this script need not load Django.
    var_dir = Path(env.get("APP_VAR_DIR", BASE_DIR / "var"))
    (var_dir / "celery").mkdir(parents=True, exist_ok=True)
    return [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--pool=solo", "--concurrency=1", "--loglevel=INFO", "--hostname=embedded@%h",
        # A single worker has no peers to talk to: skip the broadcast chatter on the filesystem broker.
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--beat", f"--schedule={var_dir / 'celery' / 'beat-schedule'}",
    ]  # fmt: skip


def _spawn(command: list[str], env: dict[str, str], **streams) -> subprocess.Popen:
    # The commands are fixed lists built above; no shell, no outside input.
    return subprocess.Popen(  # noqa: S603
        command, cwd=BASE_DIR, env=env, process_group=0, preexec_fn=_die_with_parent, **streams
    )


def _relay_worker_log(worker: subprocess.Popen, ready: threading.Event) -> None:
    """Copy the worker's output to our stderr and set `ready` when Celery logs "<name> ready."."""
    for line in worker.stdout:
        sys.stderr.buffer.write(line)
        sys.stderr.buffer.flush()
        if line.rstrip().endswith(b" ready."):
            ready.set()


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to send SIGTERM when this script dies, even by SIGKILL."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _request_stop(signum: int, _frame: object) -> None:
    global _stop_signal
    _stop_signal = signum


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def _announce(port: int, env: dict[str, str]) -> None:
    line = "=" * 72
    print(f"\n{line}\nОткрой http://{HOST}:{port}/\n", flush=True)
    result = subprocess.run([sys.executable, "manage.py", "demo_logins"], cwd=BASE_DIR, env=env, check=False)
    if result.returncode != 0:
        print(f"(manage.py demo_logins завершился с кодом {result.returncode}; входы не показаны)")
    print(f"\nОткрой http://{HOST}:{port}/   Остановить: Ctrl-C\n{line}\n", flush=True)


def _stop_all(children) -> None:
    """SIGTERM every child's process group, wait, then SIGKILL whatever is left in those groups."""
    children = list(children)
    for child in children:
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
    # Also catches grandchildren (the embedded beat process) that outlived their parent.
    for child in children:
        _signal_group(child, signal.SIGKILL)
        child.wait()


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)


if __name__ == "__main__":
    sys.exit(main())
