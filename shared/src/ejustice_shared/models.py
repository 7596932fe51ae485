"""Base classes for the models of HTTP requests and answers."""

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """What a client sends: unknown fields are refused, text is stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)
