"""Keeping `duijie serve`'s two services up: a service that dies is started again, waiting longer each time."""

import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

FIRST_WAIT = 1.0
LONGEST_WAIT = 30.0
STEADY = 60.0  # a service that ran this long before dying starts again at once


def stop_processes(processes: list[subprocess.Popen], *, grace: float = 10.0) -> None:
    """Terminate the processes still running, and kill those that have not stopped after `grace` seconds."""
    running = [p for p in processes if p.poll() is None]
    for process in running:
        process.terminate()
    for process in running:
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Service:
    """One child process: how to start it, and its current process."""

    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    wait: float = FIRST_WAIT
    restarts: int = 0


@dataclass
class Supervisor:
    """Starts the services, restarts any that exits until told to stop, then stops them all."""

    services: list[Service]
    say: Callable[[str], None] = print
    stopping: threading.Event = field(default_factory=threading.Event)

    def start(self, service: Service) -> None:
        """Start (or start again) one service."""
        service.process = subprocess.Popen(service.command)
        service.started_at = time.monotonic()

    def run(self) -> int:
        """Supervise until SIGTERM, SIGINT or `stopping` is set; 0 when every service stopped cleanly."""
        for service in self.services:
            self.start(service)
        previous = {sig: signal.signal(sig, lambda *_: self.stopping.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
        due: dict[str, float] = {}
        try:
            while not self.stopping.wait(0.2):
                for service in self.services:
                    self._check(service, due)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return self.stop()

    def _check(self, service: Service, due: dict[str, float]) -> None:
        process = service.process
        now = time.monotonic()
        if process is None:
            if now >= due.get(service.name, 0.0):
                self.start(service)
            return
        code = process.poll()
        if code is None:
            return
        service.wait = FIRST_WAIT if now - service.started_at > STEADY else min(service.wait * 2, LONGEST_WAIT)
        service.restarts += 1
        service.process = None
        due[service.name] = now + service.wait
        self.say(f"{service.name} exited with {code}; starting it again in {service.wait:g} s (restart {service.restarts})")

    def stop(self) -> int:
        """Terminate every running service (kill what does not stop within 10 s)."""
        stop_processes([s.process for s in self.services if s.process is not None])
        codes = [s.process.returncode for s in self.services if s.process is not None]
        return 0 if all(c in (0, -signal.SIGTERM) for c in codes) else 1
