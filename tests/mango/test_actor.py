"""Actor semantics: ask/tell failure handling, dispatch, mailbox backpressure, stop."""

from __future__ import annotations

import asyncio

import pytest

from mango import (
    Actor,
    ActorDeadError,
    AskTimeout,
    MailboxFullError,
    Message,
    Runtime,
    Strategy,
    SupervisionPolicy,
    UnhandledMessageError,
    handler,
)


class Add(Message, frozen=True, tag="test.add"):
    amount: int


class Fail(Message, frozen=True, tag="test.fail"):
    reason: str = "boom"


class Block(Message, frozen=True, tag="test.block"):
    pass


class Get(Message, frozen=True, tag="test.get"):
    pass


class Unknown(Message, frozen=True, tag="test.unknown"):
    pass


class Account(Actor):
    def __init__(self, gate: asyncio.Event | None = None) -> None:
        self.total = 0
        self.failures: list[str] = []
        self.gate = gate or asyncio.Event()
        self.stopped = False

    @handler
    async def add(self, message: Add) -> int:
        self.total += message.amount
        return self.total

    @handler
    async def fail(self, message: Fail) -> None:
        raise ValueError(message.reason)

    @handler
    async def block(self, message: Block) -> str:
        await self.gate.wait()
        return "released"

    @handler
    async def get(self, message: Get) -> int:
        return self.total

    async def on_failure(self, exc: BaseException, message: object) -> None:
        self.failures.append(str(exc))

    async def on_stop(self) -> None:
        self.stopped = True


async def test_ask_returns_the_handler_result() -> None:
    """ask() returns what the handler returned."""
    async with Runtime() as runtime:
        ref = await runtime.spawn(Account)
        assert await ref.ask(Add(amount=2)) == 2
        assert await ref.ask(Add(amount=3)) == 5


async def test_ask_reraises_handler_exception_and_actor_lives_on() -> None:
    """An exception in an ask goes back to the caller; the actor keeps its state."""
    async with Runtime() as runtime:
        ref = await runtime.spawn(Account)
        await ref.ask(Add(amount=7))
        with pytest.raises(ValueError, match="nope"):
            await ref.ask(Fail(reason="nope"))
        assert ref.is_alive
        assert await ref.ask(Get()) == 7


async def test_tell_failure_goes_to_on_failure_and_the_supervisor_restarts() -> None:
    """A failed tell runs on_failure, then RESTART replaces the instance (fresh state)."""
    instances: list[Account] = []

    def make() -> Account:
        instances.append(Account())
        return instances[-1]

    policy = SupervisionPolicy(backoff_min=0.0, backoff_max=0.0)
    async with Runtime() as runtime:
        ref = await runtime.spawn(make, policy=policy)
        await ref.tell(Add(amount=5))
        await ref.tell(Fail(reason="tell failed"))
        assert await ref.ask(Get()) == 0  # a fresh instance answers
        assert len(instances) == 2
        assert instances[0].failures == ["tell failed"]
        assert instances[0].stopped


async def test_resume_keeps_the_same_instance() -> None:
    """RESUME goes on with the same instance and state after a failed tell."""
    async with Runtime() as runtime:
        ref = await runtime.spawn(Account, policy=SupervisionPolicy(strategy=Strategy.RESUME))
        await ref.tell(Add(amount=4))
        await ref.tell(Fail())
        assert await ref.ask(Get()) == 4


async def test_stop_strategy_stops_the_actor_and_fails_queued_asks() -> None:
    """STOP ends the actor after a failed tell; later sends raise ActorDeadError."""
    async with Runtime() as runtime:
        ref = await runtime.spawn(Account, policy=SupervisionPolicy(strategy=Strategy.STOP))
        await ref.tell(Fail())
        for _ in range(100):
            if not ref.is_alive:
                break
            await asyncio.sleep(0.01)
        assert not ref.is_alive
        with pytest.raises(ActorDeadError):
            await ref.ask(Get())


async def test_unhandled_message_type_raises_in_ask() -> None:
    """A message without a handler raises UnhandledMessageError to an asker."""
    async with Runtime() as runtime:
        ref = await runtime.spawn(Account)
        with pytest.raises(UnhandledMessageError, match="Unknown"):
            await ref.ask(Unknown())


async def test_ask_timeout_raises_ask_timeout_which_is_a_timeout_error() -> None:
    """ask() past its timeout raises AskTimeout (a TimeoutError); the actor lives on."""
    gate = asyncio.Event()
    async with Runtime() as runtime:
        ref = await runtime.spawn(lambda: Account(gate))
        with pytest.raises(AskTimeout):
            await ref.ask(Block(), timeout=0.05)
        with pytest.raises(TimeoutError):
            await ref.ask(Block(), timeout=0.05)
        gate.set()
        assert await ref.ask(Get()) == 0


async def test_queued_asks_fail_with_actor_dead_error_on_stop() -> None:
    """Asks still queued when the actor stops fail with ActorDeadError; none hangs."""
    gate = asyncio.Event()
    async with Runtime() as runtime:
        ref = await runtime.spawn(lambda: Account(gate))
        running = asyncio.ensure_future(ref.ask(Block(), timeout=None))
        queued = [asyncio.ensure_future(ref.ask(Get(), timeout=None)) for _ in range(3)]
        await asyncio.sleep(0.01)
        stopping = asyncio.ensure_future(ref.stop())
        await asyncio.sleep(0.01)
        gate.set()
        await stopping
        assert await running == "released"  # the current message finishes
        for future in queued:
            with pytest.raises(ActorDeadError):
                await future
        with pytest.raises(ActorDeadError):
            await ref.tell(Add(amount=1))


async def test_tell_waits_when_the_mailbox_is_full_and_tell_nowait_raises() -> None:
    """Backpressure: tell() waits while the mailbox is full; tell_nowait() raises."""
    gate = asyncio.Event()
    async with Runtime() as runtime:
        ref = await runtime.spawn(lambda: Account(gate), mailbox_size=2)
        await ref.tell(Block())
        await asyncio.sleep(0.01)  # the actor takes Block and waits on the gate
        await ref.tell(Add(amount=1))
        await ref.tell(Add(amount=1))
        with pytest.raises(MailboxFullError, match="full"):
            ref.tell_nowait(Add(amount=1))
        waiting = asyncio.ensure_future(ref.tell(Add(amount=1)))
        await asyncio.sleep(0.02)
        assert not waiting.done()
        gate.set()
        await waiting
        assert await ref.ask(Get()) == 3


async def test_offer_envelope_queues_only_while_there_is_room() -> None:
    """offer_envelope() queues and returns True, returns False when full, raises once dead."""
    gate = asyncio.Event()
    async with Runtime() as runtime:
        ref = await runtime.spawn(lambda: Account(gate), mailbox_size=1)
        await ref.tell(Block())
        await asyncio.sleep(0.01)  # the actor takes Block and waits on the gate
        reply: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        assert ref.offer_envelope(Add(amount=2), reply, None) is True
        assert ref.offer_envelope(Add(amount=5), None, None) is False
        gate.set()
        await reply
        assert await ref.ask(Get()) == 2
        await ref.stop()
        with pytest.raises(ActorDeadError):
            ref.offer_envelope(Add(amount=1), None, None)


async def test_pool_instances_share_one_mailbox() -> None:
    """instances=N runs N handlers concurrently off one mailbox."""
    gate = asyncio.Event()
    started: list[int] = []

    class Worker(Actor):
        @handler
        async def block(self, message: Block) -> None:
            started.append(id(self))
            await gate.wait()

    async with Runtime() as runtime:
        ref = await runtime.spawn(Worker, instances=3)
        asks = [asyncio.ensure_future(ref.ask(Block(), timeout=None)) for _ in range(3)]
        for _ in range(100):
            if len(started) == 3:
                break
            await asyncio.sleep(0.01)
        assert len(set(started)) == 3
        gate.set()
        await asyncio.gather(*asks)


async def test_handler_decorator_accepts_unions_and_explicit_types() -> None:
    """A union annotation or explicit @handler(A, B) registers every member type."""

    class Multi(Actor):
        @handler
        async def either(self, message: Add | Get) -> str:
            return type(message).__name__

        @handler(Fail, Block)
        async def explicit(self, message: Message) -> str:
            return "explicit"

    assert set(Multi.handled_types()) == {Add, Get, Fail, Block}
    async with Runtime() as runtime:
        ref = await runtime.spawn(Multi)
        assert await ref.ask(Add(amount=1)) == "Add"
        assert await ref.ask(Fail()) == "explicit"


def test_handler_must_be_async_and_annotated() -> None:
    """Misdeclared handlers fail at class definition, not at the first message."""
    with pytest.raises(TypeError, match="async"):

        class Sync(Actor):
            @handler(Add)
            def add(self, message: Add) -> None:  # type: ignore[type-var]
                pass

    with pytest.raises(TypeError, match="annotated"):

        class NoAnnotation(Actor):
            @handler
            async def add(self, message):  # type: ignore[no-untyped-def]
                pass


async def test_stop_from_inside_a_handler_does_not_deadlock() -> None:
    """An actor may stop itself from a handler."""

    class Quitter(Actor):
        @handler
        async def get(self, message: Get) -> str:
            await self.ref.stop()
            return "bye"

    async with Runtime() as runtime:
        ref = await runtime.spawn(Quitter)
        assert await ref.ask(Get()) == "bye"
        for _ in range(100):
            if not ref.is_alive:
                break
            await asyncio.sleep(0.01)
        assert not ref.is_alive
