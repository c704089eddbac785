"""What the load scripts share: talking to a running certcase as the seeded national
programme's people do, through the JSON API with a token and through the pages with a
signed-in session."""

import http.cookiejar
import json
import re
import urllib.parse
import urllib.request

DOMAIN = "national.certcase.test"


class Programme:
    def __init__(self, base, password):
        self.base, self.password = base, password

    def call(self, method, path, token=None, body=None):
        """A JSON API call; the answer's JSON."""
        req = urllib.request.Request(self.base + path, method=method)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, data, timeout=120) as res:
            return json.load(res)

    def token(self, email):
        body = {"email": email, "password": self.password}
        return self.call("POST", "/api/v1/auth/login", body=body)["token"]

    def browser(self, email):
        """Signs in through the login form; an opener that carries the session."""
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.jar = jar
        page = opener.open(self.base + "/login", timeout=60).read().decode()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrf_token": csrf, "email": email, "password": self.password})
        req = urllib.request.Request(self.base + "/login", data=form.encode(), method="POST")
        req.add_header("Origin", self.base)
        opener.open(req, timeout=60).read()
        return opener

    def session(self, email):
        """Signs in through the login form; the Cookie header value."""
        return "; ".join(f"{c.name}={c.value}" for c in self.browser(email).jar)


def items(list_or_obj, key):
    """The rows of a list answer, bare or wrapped in an object under `key`."""
    return list_or_obj if isinstance(list_or_obj, list) else list_or_obj[key]
