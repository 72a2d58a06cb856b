"""The one exception tree of uam-events.

    UamError                      anything this package raises on purpose
    ├── InputError                an input record is wrong; it goes to the dead-letter topic
    │   ├── MalformedInput        it cannot be read: not JSON, wrong shape, unknown op or type
    │   │   └── MalformedCommand  a command that cannot be read but names its command_id
    │   └── InvalidInput          it reads, but breaks a rule: cycle, unknown parent, unknown id
    ├── ConfigError               the configuration file or environment is wrong: fix and restart
    ├── ReplayError               a replay cannot run: unreadable events file or output folder
    ├── RecoveryError             a worker's saved state cannot be read back: reset it
    ├── BrokerError               the Kafka broker cannot be reached or refuses a request
    ├── PipelineError             local workers died or did not catch up in time
    ├── SimulatorError            the Anaplan simulator cannot start or cannot read its seed
    ├── AnaplanError              a call to Anaplan failed; the message says what to do
    │   ├── AnaplanAuthError      sign-in refused: fix the named setting or secret
    │   ├── AnaplanBusy           still busy, throttled or failing after the last retry;
    │   │                         carries `retry_after`, the backpressure the sink sees
    │   ├── AnaplanRequestError   a 4xx that retrying cannot fix; carries status and path
    │   │   └── UnknownFile       a file id the model does not have (Anaplan made a new one)
    │   ├── AnaplanResponseError  an answer that does not have the documented shape
    │   ├── ImportTaskFailed      an import, process or export task ended unsuccessful or
    │   │                         cancelled where the caller needed it to succeed
    │   └── TaskStillRunning      a task did not reach a terminal state in the allowed time
    ├── SinkError                 the sink cannot settle a run: a dump names rows it never pushed
    │   └── NoSuchHeldPush        an operator released a push that is not held (any more)
    └── ReconcileError            `uam reconcile` cannot compare a spoke: an unusable export or
                                  resolved state, a correction the guard holds; names the fix

Input errors name the field and the fix; operator errors say what to do. Messages never carry
secrets.
"""

from __future__ import annotations


class UamError(Exception):
    """Base of every error uam-events raises on purpose."""


class InputError(UamError):
    """An input record is wrong; its reason names the field and the fix."""

    def __init__(self, field: str, problem: str, fix: str) -> None:
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        """Return the dead-letter reason: field, problem and fix in one line."""
        return f"{self.field}: {self.problem}; fix: {self.fix}"


class MalformedInput(InputError):
    """The record cannot be read: not JSON, a wrong shape, an unknown operation or type."""


class InvalidInput(InputError):
    """The record reads but breaks a rule of the domain (a cycle, an unknown id, ...)."""


class ConfigError(UamError):
    """The configuration is wrong; `problems` lists each with its path and the fix."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  {p}" for p in problems))


class ReplayError(UamError):
    """A replay cannot run: the events file or the output folder is unusable."""


class MalformedCommand(MalformedInput):
    """A command that cannot be read but whose `command_id` can.

    It is dead-lettered and also audited as rejected, so the sender learns what became of it
    (DESIGN section 9).
    """

    def __init__(self, field: str, problem: str, fix: str, command_id: str) -> None:
        self.command_id = command_id
        super().__init__(field, problem, fix)


class RecoveryError(UamError):
    """A partition's checkpoint cannot be read back; the message says how to rebuild it."""


class BrokerError(UamError):
    """The Kafka broker cannot be reached, or it refused a request; the message says why."""


class PipelineError(UamError):
    """Local worker processes died or did not catch up in time; the message says which."""


class SimulatorError(UamError):
    """The Anaplan simulator cannot start, or its seed file cannot be read; the message says why."""


class AnaplanError(UamError):
    """A call to Anaplan failed; the message names the call and what to do."""


class AnaplanAuthError(AnaplanError):
    """Anaplan refused the sign-in; `setting` names what to fix (never its value)."""

    def __init__(self, message: str, setting: str) -> None:
        self.setting = setting
        super().__init__(f"{message}; fix: check {setting}")


class AnaplanBusy(AnaplanError):
    """Anaplan stayed busy, throttled or failing after the last retry.

    `retry_after` (seconds) is when the caller may try again: the `Retry-After` Anaplan sent,
    else the backoff ceiling reached. The sink turns it into backpressure.
    """

    def __init__(
        self, method: str, path: str, status: int | None, reason: str, retry_after: float
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.retry_after = retry_after
        answer = f"HTTP {status}" if status is not None else reason
        super().__init__(
            f"{method} {path}: {answer} after the last retry; try again in {retry_after:g} s"
        )


class AnaplanRequestError(AnaplanError):
    """Anaplan answered a 4xx that retrying cannot fix; `status` and `path` say which."""

    def __init__(self, method: str, path: str, status: int, hint: str) -> None:
        self.method = method
        self.path = path
        self.status = status
        super().__init__(f"{method} {path}: HTTP {status}; {hint}")


class UnknownFile(AnaplanRequestError):
    """A chunk count was set on a file id the model does not have, so Anaplan created a file."""


class AnaplanResponseError(AnaplanError):
    """An Anaplan answer does not have the documented shape; the message names the call."""


class ImportTaskFailed(AnaplanError):
    """An import, process or export task ended unsuccessful or cancelled.

    Raised only where the caller needs success (an export to download, an explicit check); a
    run reports `successful: false` as a result, not as this error.
    """

    def __init__(self, action: str, task_id: str, state: str) -> None:
        self.action = action
        self.task_id = task_id
        self.state = state
        super().__init__(f"{action} task {task_id} ended {state} without success")


class TaskStillRunning(AnaplanError):
    """A task was still running when polling gave up; poll `task_id` again later."""

    def __init__(self, action: str, task_id: str, waited: float) -> None:
        self.action = action
        self.task_id = task_id
        self.waited = waited
        super().__init__(
            f"{action} task {task_id} not finished after {waited:g} s; poll it again later"
        )


class SinkError(UamError):
    """The sink cannot settle a run or an operator request; the message says what to do."""


class NoSuchHeldPush(SinkError):
    """An operator released a push id that is not the one held for the spoke."""

    def __init__(self, spoke: str, push_id: str, held: str | None) -> None:
        self.spoke = spoke
        self.push_id = push_id
        now = f"the held push is {held}" if held else "no push is held"
        super().__init__(
            f"spoke {spoke}: push {push_id} is not held ({now}); "
            "fix: release the id of the latest held-push audit record of this spoke"
        )


class ReconcileError(UamError):
    """`uam reconcile` cannot compare or correct a spoke; `fix` says what to do."""

    def __init__(self, problem: str, fix: str) -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem}; fix: {fix}")
