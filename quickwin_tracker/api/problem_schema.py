"""The problem+json body (RFC 9457), as the OpenAPI document describes it."""

from __future__ import annotations

from marshmallow import Schema, fields


class MissingSchema(Schema):
    check = fields.String(required=True)
    text = fields.String(required=True)
    anchor = fields.String(required=True)


class ProblemSchema(Schema):
    type = fields.String(required=True, metadata={"description": "about:blank"})
    title = fields.String(required=True, metadata={"description": "The HTTP status phrase."})
    status = fields.Integer(required=True)
    detail = fields.String(metadata={"description": "What went wrong, in the request's language "
                                                    "(the web's own words)."})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "Per field, its reasons (the web form's messages)."})
    missing = fields.List(fields.Nested(MissingSchema), metadata={
        "description": "A stage gate's refusal: what the initiative still needs."})
