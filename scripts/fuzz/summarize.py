"""Sums up the schemathesis runs of scripts/fuzz-api.sh from their reports.

Each argument is one run's --report-dir with a JSON report (operations, failures, errors) and an
NDJSON event log (every request sent and the response to it). Prints the status codes seen and one
summary line, and exits 1 when any run failed, found a failure or an error, or saw a 5xx.
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import os
import sys


def one(pattern: str) -> str:
    found = sorted(glob.glob(pattern))
    if not found:
        raise SystemExit(f"fuzz-api: no report matches {pattern} (did schemathesis run?)")
    return found[-1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", required=True)
    parser.add_argument("--seconds", type=int, required=True)
    parser.add_argument("--failed-runs", type=int, default=0)
    parser.add_argument("report_dirs", nargs="+")
    args = parser.parse_args()

    requests = 0
    no_response = 0
    statuses: collections.Counter[int] = collections.Counter()
    server_errors: list[str] = []
    operations = 0
    failures = 0
    errors = 0
    problems: list[str] = []

    for report_dir in args.report_dirs:
        name = os.path.basename(report_dir)
        with open(one(os.path.join(report_dir, "json-*.json")), encoding="utf-8") as f:
            report = json.load(f)
        operations += report["operations"]["tested"]
        failures += report["test_cases"]["unique_failures"]
        errors += sum(e.get("count", 1) for e in report["errors"])
        for failure in report["failures"]:
            where = ", ".join(failure.get("operations", []))
            problems.append(f"{name}: failure {failure.get('code', '')} {failure.get('title', '')} ×{failure.get('count', 1)} in {where}")
        for error in report["errors"]:
            problems.append(f"{name}: error {error.get('title', '')} ×{error.get('count', 1)}")

        with open(one(os.path.join(report_dir, "ndjson-*.ndjson")), encoding="utf-8") as f:
            for line in f:
                event = json.loads(line)
                finished = event.get("ScenarioFinished")
                if not finished:
                    continue
                for interaction in (finished.get("recorder", {}).get("interactions") or {}).values():
                    requests += 1
                    response = interaction.get("response")
                    if not response:
                        no_response += 1
                        continue
                    code = response["status_code"]
                    statuses[code] += 1
                    if code >= 500:
                        request = interaction["request"]
                        server_errors.append(f"{code} {request['method']} {request['uri']}")

    print("fuzz-api: status codes: " + ", ".join(f"{code}×{n}" for code, n in sorted(statuses.items())), file=sys.stderr)
    for problem in problems:
        print("fuzz-api: " + problem, file=sys.stderr)
    for line in server_errors[:20]:
        print("fuzz-api: 5xx: " + line, file=sys.stderr)

    ok = args.failed_runs == 0 and failures == 0 and errors == 0 and not server_errors and requests > 0
    print(
        f"fuzz-api: {'PASS' if ok else 'FAIL'}: {requests} requests sent / {operations} operations / "
        f"{failures} failures / {len(server_errors)} 5xx / {errors} errors ({no_response} without a response) / "
        f"{args.failed_runs} of {len(args.report_dirs)} schemathesis runs failed; seed {args.seed}, {args.seconds} s"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
