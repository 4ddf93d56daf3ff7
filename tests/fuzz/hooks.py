"""Checks of scripts/fuzz.sh (loaded through SCHEMATHESIS_HOOKS).

wwebjs-api answers a failed library call with 500 {"success": false, "error": "<message>"}
('Chat not found', 'Contact not found', 'The chat is not a group', what WhatsApp Web threw...),
and clients rely on those, so such a 500 passes. Anything else in the 5xx range fails: a body
that is not that JSON (a panic, a proxy page), another 5xx status, or a message that shows a
bug of ours rather than an answer of WhatsApp Web (a JavaScript TypeError in the bridge, which
should have been a 400 naming the field).
"""

import json

import schemathesis

OUR_BUGS = (
    "TypeError",
    "ReferenceError",
    "SyntaxError",
    "is not a function",
    "Cannot read properties",
    "is not defined",
    "undefined is not",
)


@schemathesis.check
def only_wwebjs_api_error_answers(ctx, response, case):
    status = response.status_code
    if status < 500:
        return None
    try:
        body = json.loads(response.text)
    except ValueError:
        raise AssertionError(f"{status} without a JSON body: {response.text[:200]!r}")
    error = body.get("error") if isinstance(body, dict) else None
    if status != 500 or body.get("success") is not False or not isinstance(error, str) or not error:
        raise AssertionError(f"{status} is not wwebjs-api's error answer: {response.text[:200]}")
    if any(marker in error for marker in OUR_BUGS):
        raise AssertionError(f"500 from a bug of ours: {error[:200]}")
    return None
