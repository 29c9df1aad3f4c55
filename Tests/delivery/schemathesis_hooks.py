"""Schemathesis hooks (SCHEMATHESIS_HOOKS=schemathesis_hooks): the bytes of an upload's PATCH
(tus's application/offset+octet-stream) are any bytes, which Schemathesis does not make by itself."""
from hypothesis import strategies as st

import schemathesis

schemathesis.openapi.media_type("application/offset+octet-stream", st.binary(max_size=4096))
