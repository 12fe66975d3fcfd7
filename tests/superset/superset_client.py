"""A small Superset REST client for the tests (session log-in + CSRF, as the browser does)."""

from __future__ import annotations

import requests


class SupersetClient:
    def __init__(self, base_url: str, username: str, password: str):
        self.base = base_url.rstrip("/")
        self.s = requests.Session()
        r = self.s.post(f"{self.base}/api/v1/security/login",
                        json={"username": username, "password": password, "provider": "db", "refresh": False},
                        timeout=30)
        r.raise_for_status()
        self.s.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        csrf = self.s.get(f"{self.base}/api/v1/security/csrf_token/", timeout=30)
        csrf.raise_for_status()
        self.s.headers["X-CSRFToken"] = csrf.json()["result"]
        self.s.headers["Referer"] = self.base

    def get(self, path: str, **kw) -> requests.Response:
        return self.s.get(f"{self.base}{path}", timeout=60, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        return self.s.post(f"{self.base}{path}", timeout=60, **kw)

    def list_all(self, resource: str, columns: list[str]) -> list[dict]:
        import json

        out, page = [], 0
        while True:
            q = json.dumps({"columns": columns, "page_size": 100, "page": page})
            r = self.get(f"/api/v1/{resource}/", params={"q": _rison(q)})
            r.raise_for_status()
            body = r.json()
            out += body["result"]
            if not body["result"] or len(out) >= body.get("count", 0):
                return out
            page += 1

    def chart_data(self, chart_id: int) -> dict:
        r = self.get(f"/api/v1/chart/{chart_id}/data/", params={"force": "true"})
        if r.status_code != 200:
            raise AssertionError(f"chart {chart_id}: HTTP {r.status_code}: {r.text[:500]}")
        return r.json()


def _rison(json_text: str) -> str:
    """The tiny subset of rison the list endpoints need (objects, lists, strings, numbers)."""
    import json

    def enc(v):
        if isinstance(v, dict):
            return "(" + ",".join(f"{k}:{enc(x)}" for k, x in v.items()) + ")"
        if isinstance(v, list):
            return "!(" + ",".join(enc(x) for x in v) + ")"
        if isinstance(v, bool):
            return "!t" if v else "!f"
        if isinstance(v, int | float):
            return str(v)
        return "'" + str(v).replace("!", "!!").replace("'", "!'") + "'"

    return enc(json.loads(json_text))
