"""Property-based testing of the submission API against its own OpenAPI document: Schemathesis
generates thousands of requests from `/v1/openapi.json` (valid and not) and sends them to the
real `soh api`; none may get a 5xx, and every response must have a declared status, content type,
headers and schema.
"""
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

from clamd import Clamd
from receiver import Receiver
from test_delivery import API, ROOT, TOKEN, config

SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"


def test_generated_requests_get_no_5xx_and_responses_match_the_document():
    receiver = Receiver()
    # One token opens every force's reports here, so a report posted to any force by a link can
    # be read back (a token for another force would be refused, and its address then locked out
    # of every read for a minute: both tested elsewhere).
    forces = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(ROOT, "forces", "*.yml")))
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    # With a clamd, so the upload routes take files and are tested as they serve.
    clamd = Clamd()
    api = API(config(receiver), env={"SOH_API_TOKENS": ",".join(f"{force}={digest}" for force in forces)}, arguments=["--clamd", clamd.address])
    try:
        result = subprocess.run(
            [SCHEMATHESIS, "run", api.url + "/v1/openapi.json", "--checks", CHECKS, "--max-examples", "100",
             "--seed", "20261202", "-H", f"Authorization: Bearer {TOKEN}", "--no-color"],
            capture_output=True, text=True, timeout=900, cwd=tempfile.mkdtemp(prefix="soh-schemathesis-"),
            env=dict(os.environ, SCHEMATHESIS_HOOKS="schemathesis_hooks",
                     PYTHONPATH=os.pathsep.join(filter(None, [os.path.dirname(__file__), os.environ.get("PYTHONPATH")]))))
        assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
        # Every operation of the document was tested (none skipped for want of data).
        selected = re.search(r"Selected: (\d+)/(\d+)", result.stdout)
        tested = re.search(r"Tested: (\d+)", result.stdout)
        assert selected and tested and selected[1] == selected[2] == tested[1], result.stdout[-3000:]
        assert " passed" in result.stdout, result.stdout[-3000:]
        # Precise enough to create real reports (each form's example is stored) and, through the
        # links from a 201, to read them back with the force's token (the stateful phase).
        forms = set()
        for force in forces:
            exported = api.soh("submissions", "export", "--force", force)
            assert exported.returncode == 0, exported.stderr
            forms |= {json.loads(line)["form"] for line in exported.stdout.splitlines()}
        assert len(forms) >= 8, f"only {sorted(forms)} were stored"
        reads = [l for l in api.soh("audit", "list").stdout.splitlines() if "  read  " in l and "(no such submission)" not in l]
        assert len(reads) >= 5, "reports stored by the run were not read back through the links"
    finally:
        api.stop()
        clamd.stop()
        receiver.close()
