"""Runs Tayori's outbound code inside the harness's "tayori" namespace.

Usage: ``ip netns exec NS python driver.py JOB.json`` → JSON on stdout, ``{job id: {rcpt: result}}``.
JOB.json: ``{"root": ..., "jobs": [{"id", "mail_from", "rcpts", "message", "mail_params"?}],
"dkim": true, "mx_port": 25}``. The profile is the root's live profile; secrets come from the root.
Each job gets a fresh ``Outbound`` (no connection cache between jobs), as separate delivery attempts
would.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import sys
from pathlib import Path


async def main(job_file: str) -> dict[str, object]:
    from tayori.profiles.loader import load_profile
    from tayori.runtime.outbound.remote import Outbound
    from tayori.runtime.paths import StatePaths
    from tayori.runtime.secrets import load_secrets

    spec = json.loads(Path(job_file).read_text())
    paths = StatePaths.at(spec["root"])
    profile = load_profile(paths.profile).profile
    secrets = load_secrets(paths)
    out: dict[str, object] = {}
    for job in spec["jobs"]:
        ob = Outbound(profile, secrets, paths, mx_port=spec.get("mx_port", 25), dkim=spec.get("dkim", True))
        try:
            res = await ob.deliver(
                job["id"], job["mail_from"], job["rcpts"], job["message"], mail_params=job.get("mail_params")
            )
        finally:
            await ob.close()
        out[job["id"]] = {r: dataclasses.asdict(x) for r, x in res.items()}
    return out


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    print(json.dumps(asyncio.run(main(sys.argv[1]))))
