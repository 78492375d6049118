"""configure_logging: JSON lines with bound context, console mode, stdlib routing."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from mango import Actor, Message, Runtime, handler
from mango.logs import configure_logging, log_context, unconfigure_logging


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Undo configure_logging after each test so other tests see the defaults."""
    level = logging.getLogger().level
    yield
    unconfigure_logging(level)
    structlog.contextvars.clear_contextvars()


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


class TtyStream(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_json_lines_carry_level_timestamp_service_and_bound_context():
    """Each event is one JSON line with ISO timestamp, level, service and bound context."""
    stream = io.StringIO()
    configure_logging(fmt="json", service="ads-consumer", stream=stream)
    log = structlog.get_logger("mango.test")
    with structlog.contextvars.bound_contextvars(
        actor="store", queue="mango-ads", message_id="m-1", trace_id="t-1"
    ):
        log.info("creative.stored", creative_id=42)
    [line] = json_lines(stream)
    assert line["event"] == "creative.stored"
    assert line["creative_id"] == 42
    assert line["level"] == "info"
    assert line["logger"] == "mango.test"
    assert line["service"] == "ads-consumer"
    assert {k: line[k] for k in ("actor", "queue", "message_id", "trace_id")} == {
        "actor": "store",
        "queue": "mango-ads",
        "message_id": "m-1",
        "trace_id": "t-1",
    }
    assert line["timestamp"].endswith("Z")
    assert "T" in line["timestamp"]


class Stored(Message, frozen=True, tag="test.stored"):
    creative_id: int


class Store(Actor):
    @handler
    async def store(self, message: Stored) -> None:
        self.log.info("creative.stored", creative_id=message.creative_id)


async def test_handler_lines_carry_the_context_the_runtime_binds():
    """A handler's log line carries actor, queue, message and trace ids given to tell()."""
    stream = io.StringIO()
    configure_logging(fmt="json", service="ads-consumer", stream=stream)
    async with Runtime(name="ads-consumer") as runtime:
        ref = await runtime.spawn(Store, name="store")
        context = {"queue": "mango-ads", "message_id": "m-7", "trace_id": "t-7"}
        await ref.ask(Stored(creative_id=7), timeout=5)
        await ref.tell(Stored(creative_id=8), context=context)
        await ref.ask(Stored(creative_id=9), timeout=5)  # the tell was handled before
    lines = [line for line in json_lines(stream) if line["event"] == "creative.stored"]
    told = next(line for line in lines if line["creative_id"] == 8)
    assert told["actor"] == "store"
    assert told["service"] == "ads-consumer"
    assert (told["queue"], told["message_id"], told["trace_id"]) == ("mango-ads", "m-7", "t-7")


class Traced(Actor):
    def __init__(self) -> None:
        self.seen: list[dict[str, object]] = []

    @handler
    async def store(self, message: Stored) -> None:
        with structlog.contextvars.bound_contextvars(trace_id="inner", step="save"):
            self.seen.append(log_context())
            logging.getLogger("myapp.db").warning("slow insert")
            self.log.info("creative.stored", creative_id=message.creative_id)
        self.seen.append(log_context())


async def test_message_context_reaches_stdlib_records_and_yields_to_bound_contextvars():
    """Inside a handler: stdlib records carry the message context too; keys bound in
    structlog's contextvars win over it; log_context() reads both; nothing leaks after."""
    stream = io.StringIO()
    configure_logging(fmt="json", stream=stream)
    traced = Traced()
    async with Runtime(name="t") as runtime:
        ref = await runtime.spawn(lambda: traced, name="traced")
        await ref.tell(Stored(creative_id=1), context={"message_id": "m-1", "trace_id": "t-1"})
        await ref.ask(Stored(creative_id=2), timeout=5)
    inner, after, untold_inner, untold_after = traced.seen
    assert inner == {"message_id": "m-1", "trace_id": "inner", "step": "save"}
    assert after == {"message_id": "m-1", "trace_id": "t-1"}
    assert untold_inner == {"trace_id": "inner", "step": "save"}
    assert untold_after == {}
    assert log_context() == {}
    lines = json_lines(stream)
    record = next(line for line in lines if line["event"] == "slow insert")
    assert (record["message_id"], record["trace_id"], record["step"]) == ("m-1", "inner", "save")
    stored = [line for line in lines if line["event"] == "creative.stored"]
    assert [line.get("message_id") for line in stored] == ["m-1", None]


def test_exceptions_are_formatted_into_the_json_line():
    """log.exception puts the traceback in an "exception" member of the same line."""
    stream = io.StringIO()
    configure_logging(fmt="json", stream=stream)
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        structlog.get_logger("mango.test").exception("task.crashed")
    [line] = json_lines(stream)
    assert line["level"] == "error"
    assert "ZeroDivisionError" in line["exception"]


def test_stdlib_loggers_share_the_format_and_stay_at_warning():
    """aiohttp/botocore records come out as the same JSON; their INFO/DEBUG are dropped."""
    stream = io.StringIO()
    configure_logging(fmt="json", level="DEBUG", service="ads-api", stream=stream)
    logging.getLogger("aiohttp.server").warning("slow client %s", "1.2.3.4")
    logging.getLogger("aiohttp.access").info("GET / 200")
    logging.getLogger("botocore.hooks").debug("event emitted")
    logging.getLogger("myapp").debug("own debug kept")
    lines = json_lines(stream)
    assert [line["event"] for line in lines] == ["slow client 1.2.3.4", "own debug kept"]
    assert lines[0]["logger"] == "aiohttp.server"
    assert lines[0]["level"] == "warning"
    assert lines[0]["service"] == "ads-api"
    assert "timestamp" in lines[0]


def test_level_filters_structlog_events():
    """Events below the configured level are dropped."""
    stream = io.StringIO()
    configure_logging(fmt="json", level="warning", stream=stream)
    log = structlog.get_logger("mango.test")
    log.info("quiet.event")
    log.warning("loud.event")
    assert [line["event"] for line in json_lines(stream)] == ["loud.event"]


def test_console_format_is_readable_not_json():
    """The console format prints the event and key=value pairs on one line."""
    stream = io.StringIO()
    configure_logging(fmt="console", stream=stream)
    structlog.get_logger("mango.test").info("gateway.started", port=8080)
    output = stream.getvalue()
    assert "gateway.started" in output
    assert "port=8080" in output
    with pytest.raises(json.JSONDecodeError):
        json.loads(output)


def test_auto_picks_console_on_a_terminal_and_json_otherwise():
    """fmt="auto" renders for humans on a TTY and JSON lines elsewhere."""
    tty = TtyStream()
    configure_logging(stream=tty)
    structlog.get_logger("mango.test").info("on.tty")
    assert not tty.getvalue().startswith("{")

    pipe = io.StringIO()
    configure_logging(stream=pipe)
    structlog.get_logger("mango.test").info("in.pipe")
    assert json_lines(pipe)[0]["event"] == "in.pipe"


def test_reconfiguring_replaces_the_handler():
    """Calling configure_logging twice leaves one handler, writing to the new stream."""
    first, second = io.StringIO(), io.StringIO()
    configure_logging(fmt="json", stream=first)
    configure_logging(fmt="json", stream=second)
    structlog.get_logger("mango.test").info("once")
    assert first.getvalue() == ""
    assert len(json_lines(second)) == 1
    assert [h.get_name() for h in logging.getLogger().handlers].count("mango") == 1


def test_unknown_level_is_refused():
    """A level name that logging does not know is a ValueError naming it."""
    with pytest.raises(ValueError, match="LOUD"):
        configure_logging(level="LOUD")
