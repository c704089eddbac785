"""Hooks for .ci/schemathesis: the model loader (POST /api/v1/models) reads its TOML body
as text, so schemathesis sends generated text for it."""

import schemathesis

schemathesis.serializer.alias("application/toml", "text/plain")
