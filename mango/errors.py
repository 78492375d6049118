"""The runtime's error hierarchy, rooted at :class:`MangoError`.

Each error subclasses the nearest builtin where one fits, so callers can catch either the
precise mango error or the familiar builtin.
"""

from __future__ import annotations

__all__ = [
    "ActorDeadError",
    "ActorStartError",
    "AskTimeout",
    "EscalationError",
    "MailboxFullError",
    "MangoError",
    "MessageDecodeError",
    "MessageTooLargeError",
    "PublishError",
    "QueueUnavailableError",
    "RegistrationFrozenError",
    "RejectMessage",
    "RetryLater",
    "SettingsError",
    "UnhandledMessageError",
]


class MangoError(Exception):
    """Raised for every error the mango runtime reports itself."""


class ActorDeadError(MangoError, RuntimeError):
    """Raised when a message is sent to, or still queued in, an actor that has stopped."""


class ActorStartError(MangoError, RuntimeError):
    """Raised when an actor's ``on_start`` failed, so ``spawn`` could not return a ref."""


class AskTimeout(MangoError, TimeoutError):  # noqa: N818 - the name STYLE.md gives
    """Raised when an ``ask`` got no reply within its timeout."""


class MailboxFullError(MangoError, RuntimeError):
    """Raised when ``tell_nowait`` finds the actor's bounded mailbox full."""


class UnhandledMessageError(MangoError, TypeError):
    """Raised when an actor receives a message type it declares no handler for."""


class EscalationError(MangoError, RuntimeError):
    """Raised when an actor failed more often than its supervision policy allows."""


class RegistrationFrozenError(MangoError, RuntimeError):
    """Raised when a resource or service is registered after the runtime started."""


class MessageDecodeError(MangoError, ValueError):
    """Raised when bytes cannot be decoded into one of a channel's message types."""

    def __init__(self, detail: str, *, message_type: str | None = None) -> None:
        self.detail = detail
        self.message_type = message_type
        what = f"invalid {message_type!r} message" if message_type else "invalid message"
        super().__init__(f"{what}: {detail}")


class MessageTooLargeError(MangoError, ValueError):
    """Raised when an encoded message exceeds the queue's configured body limit."""


class QueueUnavailableError(MangoError, ConnectionError):
    """Raised when a queue endpoint cannot be reached or keeps failing after retries."""


class SettingsError(MangoError, ValueError):
    """Raised when environment settings are missing or invalid; lists every problem at once."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"invalid settings ({len(problems)} problem(s)):\n{lines}")


class RetryLater(MangoError):  # noqa: N818 - a control-flow signal, not an error
    """Raised by a handler to have the message redelivered after ``delay`` seconds.

    Unlike a failure it is logged at info level; the receive count still grows, so a
    message that keeps asking reaches the dead-letter queue after maxReceiveCount.
    """

    def __init__(self, reason: str, *, delay: float = 30.0) -> None:
        super().__init__(reason)
        self.delay = delay


class RejectMessage(MangoError):  # noqa: N818 - a control-flow signal, not an error
    """Raised by a handler to send the message to the dead-letter queue at once."""


class PublishError(MangoError, RuntimeError):
    """Raised when a message could not be published after every retry."""
