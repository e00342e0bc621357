"""Process supervision for the local stack, by supervisord (Supervisor 4).

One implementation serves `make run` (`run_local`), the benchmarks (`bench/stack.py`) and the
test plugin (`tests/services.py`). Why supervisord: it is the long-kept standard for exactly this
job (restart a crashed child with a growing back-off, log every exit and spawn, stop process
groups in order with a deadline and then SIGKILL, an XML-RPC API to start, stop and inspect
children); honcho stops every process when one dies (the failure we had) and circus brings ZeroMQ
and Tornado for the same features.

Layout: two process groups. `services` (Redis, the twin) start first and stop last; `app` (Celery
worker and beat, the Lambda runtime, the web server) stop together, so a stop takes at most the
app's `stopwaitsecs` plus the services' (<= 10 s). Every child (and supervisord itself) runs
through `orphan_guard`, which asks Linux to send it SIGTERM when its parent dies, so a supervisor
killed with SIGKILL leaves nothing listening on the ports. No Django import here: the test plugin
loads this module before settings exist.
"""

import ctypes
import os
import shlex
import signal
import subprocess
import sys
import time
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path

from supervisor.xmlrpc import SupervisorTransport

PR_SET_PDEATHSIG = 1
ROOT = Path(__file__).resolve().parent.parent


class SupervisionError(RuntimeError):
    pass


@dataclass(frozen=True)
class Program:
    """One supervised child. `group` is `services` (started at once) or `app` (started on demand)."""

    name: str
    argv: tuple[str, ...]
    group: str = "app"
    stopwaitsecs: int = 5
    startsecs: int = 1


def orphan_guard(argv: list[str]) -> None:
    """Exec `argv` so that it gets SIGTERM when the process that started it dies (Linux prctl)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        parent = os.getppid()
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the guard was set
            sys.exit(0)
    except (OSError, AttributeError):
        pass  # not Linux: children then outlive a killed supervisor, as they would anyway
    os.execvp(argv[0], argv)


def guarded(argv: list[str] | tuple[str, ...]) -> list[str]:
    return [sys.executable, "-m", "pipeline_admin.supervision", *argv]


def _program_section(program: Program, log_dir: Path) -> str:
    # supervisord expands %(name)s in a command: a literal % (celery's `-n name@%h`) is doubled.
    command = " ".join(shlex.quote(part) for part in guarded(program.argv)).replace("%", "%%")
    return f"""
[program:{program.name}]
command={command}
directory={ROOT}
autostart={"true" if program.group == "services" else "false"}
autorestart=true
startsecs={program.startsecs}
startretries=100
stopsignal=TERM
stopwaitsecs={program.stopwaitsecs}
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile={log_dir / (program.name + ".log")}
stdout_logfile_maxbytes=10MB
stdout_logfile_backups=2
"""


class Supervisor:
    """supervisord running `programs` with its socket, config and logs under `directory`.

    `env` is the whole environment every child gets. Names in the API are program names
    (`web`), not supervisord's `group:name`.
    """

    def __init__(self, *, directory: Path, programs: list[Program], env: dict[str, str]):
        self.directory = Path(directory)
        self.log_dir = self.directory / "log"
        self.programs = {p.name: p for p in programs}
        self.env = env
        self.socket = self.directory / "supervisor.sock"
        self.process: subprocess.Popen | None = None

    def _config(self) -> str:
        groups = {"services": 100, "app": 200}
        sections = [
            f"""[supervisord]
nodaemon=true
logfile={self.log_dir / "supervisord.log"}
logfile_maxbytes=5MB
pidfile={self.directory / "supervisord.pid"}
childlogdir={self.log_dir}
loglevel=info

[unix_http_server]
file={self.socket}
chmod=0700

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
"""
        ]
        for group, priority in groups.items():
            members = [p.name for p in self.programs.values() if p.group == group]
            if members:
                sections.append(f"[group:{group}]\nprograms={','.join(members)}\npriority={priority}\n")
        sections += [_program_section(p, self.log_dir) for p in self.programs.values()]
        return "\n".join(sections)

    def start(self, timeout: float = 15.0) -> "Supervisor":
        """Start supervisord and the `services` group; returns once its API answers."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        config = self.directory / "supervisord.conf"
        config.write_text(self._config())
        self.socket.unlink(missing_ok=True)
        supervisord = str(Path(sys.executable).with_name("supervisord"))
        with open(self.log_dir / "supervisord.err", "ab") as errors:
            self.process = subprocess.Popen(
                guarded([supervisord, "-c", str(config)]),
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.rpc.getState()
                return self
            except (OSError, xmlrpc.client.Fault):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise SupervisionError(
                        f"supervisord did not start; see {self.log_dir / 'supervisord.err'}"
                    ) from None
                time.sleep(0.1)

    @property
    def rpc(self):
        transport = SupervisorTransport(None, None, f"unix://{self.socket}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor

    def _full(self, name: str) -> str:
        return f"{self.programs[name].group}:{name}"

    def start_program(self, name: str) -> None:
        try:
            self.rpc.startProcess(self._full(name), True)
        except xmlrpc.client.Fault as fault:
            if "ALREADY_STARTED" not in fault.faultString:
                raise SupervisionError(f"{name} did not start: {fault.faultString}") from None

    def start_group(self, group: str = "app") -> None:
        """Start every program of `group` at once; returns when each has run `startsecs`."""
        for result in self.rpc.startProcessGroup(group, True):
            if result["status"] not in (80, 60):  # SUCCESS, ALREADY_STARTED
                raise SupervisionError(f"{result['name']} did not start: {result['description']}")

    def stop_program(self, name: str) -> None:
        try:
            self.rpc.stopProcess(self._full(name), True)
        except xmlrpc.client.Fault as fault:
            if "NOT_RUNNING" not in fault.faultString:
                raise SupervisionError(f"{name} did not stop: {fault.faultString}") from None

    def info(self, name: str) -> dict:
        """supervisord's process info: `statename` (RUNNING, BACKOFF, …), `pid`, `start` (epoch s)."""
        return self.rpc.getProcessInfo(self._full(name))

    def pid(self, name: str) -> int:
        return self.info(name)["pid"]

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 12.0) -> None:
        """Stop every child (app group first, then Redis and the twin) and supervisord."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            for name in self.programs:  # supervisord is stuck: take its children down with it
                try:
                    pid = self.pid(name)
                    if pid:
                        os.killpg(pid, signal.SIGKILL)
                except (OSError, xmlrpc.client.Fault, SupervisionError):
                    pass
            self.process.kill()
            self.process.wait(5)


if __name__ == "__main__":
    orphan_guard(sys.argv[1:])
