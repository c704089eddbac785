#!/usr/bin/env python3
"""Signs in a sample of the seeded programme's people and writes what the wrk scripts
need as a Lua table: page sessions (cookies), API tokens, applications per owner, the
assessors' in-assessment applications and items, draft applications to upload to, and
certificate numbers to verify.

usage: prepare.py BASE_URL PASSWORD OUT.lua [PEOPLE]
"""

import http.cookiejar
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

base, password, out = sys.argv[1], sys.argv[2], sys.argv[3]
people = int(sys.argv[4]) if len(sys.argv) > 4 else 40
DOMAIN = "national.certcase.test"


def call(method, path, token=None, body=None):
    req = urllib.request.Request(base + path, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, data, timeout=60) as res:
        return json.load(res)


def token(email):
    return call("POST", "/api/v1/auth/login", body={"email": email, "password": password})["token"]


def session(email):
    """Signs in through the login form; returns the Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login", timeout=60).read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": csrf, "email": email, "password": password})
    req = urllib.request.Request(base + "/login", data=form.encode(), method="POST")
    req.add_header("Origin", base)
    opener.open(req, timeout=60).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def items(list_or_obj, key):
    return list_or_obj if isinstance(list_or_obj, list) else list_or_obj[key]


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
