"""The Content Creator: content tasks, their generators, and the ``content-consumer`` service.

The Backend API creates tasks with :func:`create_task` (task row and outbox row in one
transaction) and reads them with :func:`get_task` / :func:`list_tasks`. The consumer runs
each task's generator, found by kind in the registry (:func:`register_generator`, or the
``mango.content_generators`` entry-point group).
"""

from actors.content.errors import (
    ContentTaskError,
    CreativesNotFoundError,
    GenerationError,
    GenerationUnavailableError,
    InvalidParametersError,
    UnknownKindError,
)
from actors.content.generator import CardData, ContentGenerator, CreativeData, MediaData, TaskInput
from actors.content.messages import CONTENT_QUEUE, ContentTaskRequested, content_codec
from actors.content.registry import (
    GeneratorRegistry,
    get_generator,
    known_kinds,
    register_generator,
)
from actors.content.tasks import ContentTask, ContentTaskPage, create_task, get_task, list_tasks

__all__ = [
    "CONTENT_QUEUE",
    "CardData",
    "ContentGenerator",
    "ContentTask",
    "ContentTaskError",
    "ContentTaskPage",
    "ContentTaskRequested",
    "CreativeData",
    "CreativesNotFoundError",
    "GenerationError",
    "GenerationUnavailableError",
    "GeneratorRegistry",
    "InvalidParametersError",
    "MediaData",
    "TaskInput",
    "UnknownKindError",
    "content_codec",
    "create_task",
    "get_generator",
    "get_task",
    "known_kinds",
    "list_tasks",
    "register_generator",
]
