"""Every page each role works in at national scale, one request at a time (pages19 --sweep).

Prints, per page, the status, the compressed size and the median and slowest of ten
requests. A sequential time is not a load measurement: it finds the pages whose one
request is already slow or large, which pages19's wrk runs then measure.
"""
import os
import re
import statistics
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from national_client import DOMAIN, Programme, items  # noqa: E402

base, password = sys.argv[1], sys.argv[2]
TIMES = 10
programme = Programme(base, password)
token = programme.token


def call(path, token):
    return programme.call("GET", path, token)


def session(email):
    return programme.browser(email)


sec_token = token(f"secretariat@{DOMAIN}")
rounds = items(call("/api/v1/rounds", sec_token), "rounds")
round_id = max(rounds, key=lambda r: call(f"/api/v1/reports?round={r['id']}", sec_token)["applications"])["id"]
# The earliest round: its certificates are all issued (3,000 at national scale).
past_round_id = min(rounds, key=lambda r: r["registration_opens"])["id"]


def first(status):
    return items(call(f"/api/v1/applications?status={status}&limit=1", sec_token), "applications")[0]["id"]


assessed, in_review, certified = first("in_assessment"), first("in_review"), first("certified")
seated = call("/api/v1/assessor/applications", token(f"assessor0000@{DOMAIN}"))[0]["id"]
mine = items(call("/api/v1/applications", token(f"enterprise00000@{DOMAIN}")), "applications")[0]["id"]
people = {
    "secretariat": session(f"secretariat@{DOMAIN}"),
    "assessor": session(f"assessor0000@{DOMAIN}"),
    "reviewer": session(f"reviewer00@{DOMAIN}"),
    "enterprise": session(f"enterprise00000@{DOMAIN}"),
}
pages = [
    ("secretariat", "/"), ("assessor", "/"), ("reviewer", "/"), ("enterprise", "/"),
    ("secretariat", "/models"), ("secretariat", "/rounds"), ("secretariat", f"/rounds/{round_id}"),
    ("secretariat", f"/rounds/{past_round_id}"),
    ("secretariat", "/calendars"), ("secretariat", "/admin/sign-ins"), ("secretariat", "/enterprises"),
    ("secretariat", "/applications"), ("secretariat", "/applications?q=00042"),
    ("secretariat", f"/applications/{certified}"), ("secretariat", f"/applications/{assessed}/panel"),
    ("secretariat", "/assessors"), ("secretariat", f"/rounds/{round_id}/assignment"),
    ("secretariat", "/admin/audit"), ("secretariat", "/admin/outbox"), ("secretariat", "/inbox"),
    ("secretariat", f"/reports?round={round_id}"), ("secretariat", "/appeals"),
    ("secretariat", "/complaints"), ("secretariat", "/surveillances"), ("secretariat", "/directory"),
    ("secretariat", f"/applications/{in_review}/review"),
    ("assessor", "/assessor/applications"), ("assessor", f"/applications/{seated}/assessment"),
    ("reviewer", "/reviewer/applications"), ("reviewer", f"/applications/{in_review}/review"),
    ("enterprise", "/enterprise"), ("enterprise", "/applications"), ("enterprise", f"/applications/{mine}"),
    ("enterprise", "/self-assessments"), ("enterprise", "/inbox"), ("enterprise", "/surveillances"),
]
print(f"| {'who':11} | {'page':62} | status | {'KB':>7} | {'median ms':>9} | {'slowest ms':>10} |")
print(f"| {'---':11} | {'---':62} | --- | ---: | ---: | ---: |")
for who, path in pages:
    times, status, size = [], None, 0
    for _ in range(TIMES):
        start = time.perf_counter()
        req = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip, br"})
        try:
            with people[who].open(req, timeout=120) as res:
                size, status = len(res.read()), res.status
        except urllib.error.HTTPError as e:
            status = e.code
        times.append((time.perf_counter() - start) * 1000)
    shown = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "{id}", path)
    print(f"| {who:11} | {shown:62} | {status} | {size / 1024:7.1f} | {statistics.median(times):9.1f} | {max(times):10.1f} |")
