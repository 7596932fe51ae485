"""The one envelope every event travels in, and the base of event data models."""

import uuid
from typing import Any, ClassVar

from opentelemetry import propagate
from pydantic import BaseModel, ConfigDict, Field

from ejustice_shared import clock
from ejustice_shared.context import current_correlation_id

CATALOG: dict[str, type["EventData"]] = {}


class EventData(BaseModel):
    """Base of every event's data. Subclasses name their type; defining one registers it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: ClassVar[str]
    version: ClassVar[int] = 1
    # Internal events are dossier entries of the stream that holds them; the relay does not publish them.
    published: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "type" in cls.__dict__:
            if cls.type in CATALOG:
                raise TypeError(f"event type {cls.type} is defined twice")
            CATALOG[cls.type] = cls

    def routing_key(self) -> str:
        """Where on the topic exchange the event goes; events for one court override it."""
        return self.type


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="Unique and stable across retries; also the AMQP message_id.")
    type: str = Field(description="Past tense, e.g. filing.submitted.")
    version: int
    source: str = Field(description="The service that published it.")
    time: str = Field(description="RFC 3339 UTC time of the fact.")
    subject: str = Field(description="What it is about, e.g. the filing id.")
    correlation_id: str
    routing_key: str
    traceparent: str | None = Field(None, description="W3C trace context of the work that caused it.")
    tracestate: str | None = None
    data: dict[str, Any]

    @classmethod
    def wrap(cls, data: EventData, *, source: str, subject: str) -> "Envelope":
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        return cls(
            id=str(uuid.uuid4()), type=data.type, version=data.version, source=source,
            time=clock.iso(), subject=subject,
            correlation_id=current_correlation_id(), routing_key=data.routing_key(),
            traceparent=carrier.get("traceparent"), tracestate=carrier.get("tracestate"),
            data=data.model_dump(mode="json"),
        )

    @property
    def published(self) -> bool:
        model = CATALOG.get(self.type)
        return model.published if model else True

    def parse(self) -> EventData:
        """The data as its catalog model; raises KeyError for unknown types, ValidationError for bad data."""
        return CATALOG[self.type].model_validate(self.data)

    def trace_headers(self) -> dict[str, str]:
        return {k: v for k, v in (("traceparent", self.traceparent), ("tracestate", self.tracestate)) if v}
