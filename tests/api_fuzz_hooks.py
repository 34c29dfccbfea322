"""schemathesis hooks for tests/api_fuzz.rs (loaded through SCHEMATHESIS_HOOKS).

Hypothesis draws few distinct short strings, so the Idempotency-Key values it generates
repeat across requests with different bodies, and the hub rightly answers 422
`idempotency_key_reused` before the handler runs. A real client sends a fresh key with each
new request, so a valid generated key gets a unique suffix just before the call; an invalid
key is sent as generated, so the hub's 400 for it is still exercised.
"""

import itertools

import schemathesis

_sequence = itertools.count(1)
# The suffix must keep the key within the hub's 255 characters.
_ROOM_FOR_SUFFIX = 240


def _valid_key(key):
    return (
        isinstance(key, str)
        and 0 < len(key) <= _ROOM_FOR_SUFFIX
        and all("!" <= c <= "~" for c in key)
    )


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers
    if headers and _valid_key(headers.get("Idempotency-Key")):
        headers["Idempotency-Key"] = f"{headers['Idempotency-Key']}.{next(_sequence)}"
