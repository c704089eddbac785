#!/usr/bin/env python3
"""Signs in a sample of the seeded programme's people and writes what the wrk scripts
need as a Lua table: page sessions (cookies), API tokens, applications per owner, the
assessors' in-assessment applications and items, draft applications to upload to, and
certificate numbers to verify.

usage: prepare.py BASE_URL PASSWORD OUT.lua [PEOPLE]
"""

import json
import os
import sys
import urllib.error

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from national_client import DOMAIN, Programme, items  # noqa: E402

base, password, out = sys.argv[1], sys.argv[2], sys.argv[3]
people = int(sys.argv[4]) if len(sys.argv) > 4 else 40
programme = Programme(base, password)
call, token, session = programme.call, programme.token, programme.session


sessions, app_pages, drafts, scores, verify = [], [], [], [], []
emails = []
for n in range(people):
    email = f"enterprise{n:05}@{DOMAIN}"
    emails.append(email)
    t = token(email)
    cookie = session(email)
    sessions.append(cookie)
    for a in items(call("GET", "/api/v1/applications", t), "applications"):
        app_pages.append({"id": a["id"], "cookie": cookie})
        if a["status"] == "draft":
            detail = call("GET", f"/api/v1/applications/{a['id']}", t)
            if detail["missing_items"]:
                drafts.append({"id": a["id"], "item": detail["missing_items"][0], "token": t})

# Assessors across the registry: the first ones sit on last year's (certified) panels only.
scoring = 0
for n in range(0, 300, 7):
    if scoring >= max(3, people // 4):
        break
    email = f"assessor{n:04}@{DOMAIN}"
    try:
        t = token(email)
    except urllib.error.HTTPError as e:
        # The small programme (--smoke) has a dozen assessors, not 300: past the last one.
        if e.code == 422:
            break
        raise
    sessions.append(session(email))
    assessing = [
        a for a in items(call("GET", "/api/v1/assessor/applications", t), "applications")
        if a.get("status") == "in_assessment"
    ]
    scoring += bool(assessing)
    for a in assessing:
        ev = items(call("GET", f"/api/v1/applications/{a['id']}/evidence", t), "evidence")
        for item in sorted({e["item_code"] for e in ev}):
            scores.append({"id": a["id"], "item": item, "token": t})

sec = token(f"secretariat@{DOMAIN}")
sessions.append(session(f"secretariat@{DOMAIN}"))
for a in items(call("GET", "/api/v1/applications", sec), "applications"):
    if a["status"] == "certified":
        cert = a.get("certificate_number")
        if cert:
            verify.append(cert)
if not verify:
    # Numbers run from 000001 per year and part; the seeded ones are last year's.
    year = min(int(r["registration_opens"][:4]) for r in items(call("GET", "/api/v1/rounds", sec), "rounds"))
    verify = [f"{year}-CD-{n:06}" for n in range(1, 51)]


def lua(value):
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(lua(v) for v in value) + "}"
    return json.dumps(value)


data = {
    "emails": emails,
    "sessions": sessions,
    "app_pages": app_pages,
    "drafts": drafts,
    "scores": scores,
    "verify": verify[:200],
}
for k in ("sessions", "app_pages", "drafts", "scores"):
    if not data[k]:
        sys.exit(f"prepare: no {k} in the seeded programme")
with open(out, "w") as f:
    f.write("return " + lua(data) + "\n")
print(
    f"prepared {len(sessions)} sessions, {len(app_pages)} application pages, "
    f"{len(drafts)} drafts to upload to, {len(scores)} scores to save, "
    f"{len(data['verify'])} certificate numbers"
)
