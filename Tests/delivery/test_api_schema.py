"""Property-based testing of the submission API against its own OpenAPI document: Schemathesis
generates thousands of requests from `/v1/openapi.json` (valid and not) and sends them to the
real `soh api`; none may get a 5xx, and every response must have a declared status, content type,
headers and schema.
"""
import os
import re
import subprocess
import sys
import tempfile

from receiver import Receiver
from test_delivery import API, TOKEN, config

SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"


def test_generated_requests_get_no_5xx_and_responses_match_the_document():
    receiver = Receiver()
    api = API(config(receiver))
    try:
        result = subprocess.run(
            [SCHEMATHESIS, "run", api.url + "/v1/openapi.json", "--checks", CHECKS, "--max-examples", "100",
             "--seed", "20261202", "-H", f"Authorization: Bearer {TOKEN}", "--no-color"],
            capture_output=True, text=True, timeout=900, cwd=tempfile.mkdtemp(prefix="soh-schemathesis-"))
        assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
        # Every operation of the document was tested (none skipped for want of data).
        selected = re.search(r"Selected: (\d+)/(\d+)", result.stdout)
        tested = re.search(r"Tested: (\d+)", result.stdout)
        assert selected and tested and selected[1] == selected[2] == tested[1], result.stdout[-3000:]
        assert " passed" in result.stdout, result.stdout[-3000:]
    finally:
        api.stop()
        receiver.close()
