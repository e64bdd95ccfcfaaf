"""Creates the fuzz fixtures (scripts/fuzz/fixtures/*.yaml) through kjob's API, as a user would with
`kubectl create -f`, waits until every Job that is not suspended has finished, and writes the names
of the Jobs, pods and namespaces that now exist as schemathesis dictionaries (argument 2).

Without them every Job and pod name the fuzzer sends is unknown and it only ever sees 404s; with
them the list operations return real Jobs and pods, and schemathesis feeds their names to the
read, log, patch and delete operations. Runs with the fuzz venv's python (PyYAML comes with
schemathesis).
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request

import yaml

FINISHED = {"Complete", "Failed"}


def request(method: str, url: str, body: bytes | None = None, content_type: str | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=body, method=method)
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def main() -> int:
    api, dictionary_dir, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    waiting: list[str] = []
    for path in files:
        with open(path, "rb") as f:
            raw = f.read()
        manifest = yaml.safe_load(raw)
        namespace = manifest["metadata"].get("namespace", "default")
        name = manifest["metadata"]["name"]
        code, body = request("POST", f"{api}/apis/batch/v1/namespaces/{namespace}/jobs", raw, "application/yaml")
        if code != 201:
            print(f"fuzz-api: creating fixture {path} answered {code}: {json.dumps(body)[:400]}", file=sys.stderr)
            return 1
        print(f"fuzz-api: fixture Job {namespace}/{name} created", file=sys.stderr)
        if not manifest["spec"].get("suspend"):
            waiting.append(f"{api}/apis/batch/v1/namespaces/{namespace}/jobs/{name}")

    deadline = time.monotonic() + 90
    while waiting and time.monotonic() < deadline:
        for url in list(waiting):
            code, job = request("GET", url)
            conditions = (job.get("status") or {}).get("conditions") or []
            if code == 200 and any(c["type"] in FINISHED and c["status"] == "True" for c in conditions):
                print(f"fuzz-api: fixture {url.rsplit('/', 1)[1]} finished: {[c['type'] for c in conditions]}", file=sys.stderr)
                waiting.remove(url)
        time.sleep(0.25)
    if waiting:
        print(f"fuzz-api: fixtures did not finish within 90 s: {waiting}", file=sys.stderr)
        return 1

    # The names that exist, as libFuzzer dictionaries next to the run's schemathesis.toml, which
    # offers them for the path parameters half of the time (random names the other half).
    code, pods = request("GET", f"{api}/api/v1/pods")
    if code != 200 or not pods["items"]:
        print(f"fuzz-api: the fixtures made no pods ({code}: {json.dumps(pods)[:400]})", file=sys.stderr)
        return 1
    code, jobs = request("GET", f"{api}/apis/batch/v1/jobs")
    names = {
        "pods.dict": sorted({p["metadata"]["name"] for p in pods["items"]}),
        "jobs.dict": sorted({j["metadata"]["name"] for j in jobs["items"]}),
        "namespaces.dict": sorted({j["metadata"]["namespace"] for j in jobs["items"]}),
    }
    for file, values in names.items():
        with open(os.path.join(dictionary_dir, file), "w", encoding="utf-8") as f:
            f.writelines(json.dumps(v) + "\n" for v in values)
    print(f"fuzz-api: {len(names['pods.dict'])} pods, {len(names['jobs.dict'])} Jobs to fuzz against", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
