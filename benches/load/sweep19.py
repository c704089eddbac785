"""Every page each role works in at national scale, one request at a time (pages19 --sweep).

Prints, per page, the status, the compressed size and the median and slowest of ten
requests. A sequential time is not a load measurement: it finds the pages whose one
request is already slow or large, which pages19's wrk runs then measure.
"""
import http.cookiejar, json, re, statistics, sys, time, urllib.parse, urllib.request

base, password = sys.argv[1], sys.argv[2]
DOMAIN = "national.certcase.test"
TIMES = 10


def call(path, token=None, body=None, method="GET"):
    req = urllib.request.Request(base + path, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    data = json.dumps(body).encode() if body is not None else None
    if data:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, data, timeout=120) as res:
        return json.load(res)


def token(email):
    return call("/api/v1/auth/login", body={"email": email, "password": password}, method="POST")["token"]


def session(email):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login", timeout=60).read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": csrf, "email": email, "password": password})
    req = urllib.request.Request(base + "/login", data=form.encode(), method="POST")
    req.add_header("Origin", base)
    opener.open(req, timeout=60).read()
    return opener


def items(value, key):
    return value if isinstance(value, list) else value[key]


sec_token = token(f"secretariat@{DOMAIN}")
rounds = items(call("/api/v1/rounds", sec_token), "rounds")
round_id = max(rounds, key=lambda r: call(f"/api/v1/reports?round={r['id']}", sec_token)["applications"])["id"]


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
