#!/usr/bin/env python3
"""Idempotent seeding of the test Keystone through its own v3 REST API (no openstackclient: each
`openstack` call costs ~1.5 s of start-up). Creates what the OpenStack plugin tests need and prints
`export NAME=value` lines. Application-credential secrets are shown by Keystone only once, so they
are kept in $STATE and re-created when the stored one no longer exists."""
import json
import os
import urllib.error
import urllib.request

URL = os.environ["KEYSTONE_URL"].rstrip("/")
ADMIN_PW = os.environ["OS_ADMIN_PASSWORD"]
SERVICES = os.environ["OS_SERVICES_URL"].rstrip("/")
STATE = os.environ["STATE"]
DEMO_PW = "demopw"
REGION = "RegionOne"
# A second region whose endpoints point at a closed port: catalog lookups that ignore the
# configured region would pick it half of the time and fail.
OTHER_REGION = "RegionTwo"
DEAD = "http://127.0.0.1:9"


def call(method, path, token=None, body=None, ok=(200, 201, 204)):
    req = urllib.request.Request(URL + path, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(req, data, timeout=30) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw else None), r.headers
    except urllib.error.HTTPError as e:
        if e.code in ok:
            return e.code, None, e.headers
        raise SystemExit(f"[keystone-seed] {method} {path}: {e.code} {e.read()[:300]!r}")


def token(user, pw, project):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"id": "default"}, "password": pw}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}}}}
    _, b, h = call("POST", "/auth/tokens", body=body)
    return h["X-Subject-Token"], b["token"]["user"]["id"]


def find_or_create(coll, key, query, body):
    _, b, _ = call("GET", f"/{coll}?{query}", tok)
    if b[coll]:
        return b[coll][0]
    return call("POST", f"/{coll}", tok, {key: body})[1][key]


tok, admin_id = token("admin", ADMIN_PW, "admin")
service = find_or_create("projects", "project", "name=service&domain_id=default",
                         {"name": "service", "domain_id": "default", "description": "VirtEngine service project"})
demo = find_or_create("users", "user", "name=demo&domain_id=default",
                      {"name": "demo", "domain_id": "default", "password": DEMO_PW, "enabled": True})
roles = {r["name"]: r["id"] for r in call("GET", "/roles", tok)[1]["roles"]}
call("PUT", f"/projects/{service['id']}/users/{demo['id']}/roles/{roles['member']}", tok)
# admin also in "service" so the admin credentials can scope there
call("PUT", f"/projects/{service['id']}/users/{admin_id}/roles/{roles['admin']}", tok)

try:
    with open(STATE) as f:
        state = json.load(f)
except (FileNotFoundError, ValueError):
    state = {}


def app_cred(label, user, pw, project, role):
    utok, uid = token(user, pw, project)
    saved = state.get(label)
    if saved:
        st, _, _ = call("GET", f"/users/{uid}/application_credentials/{saved['id']}", utok, ok=(404,))
        if st == 200:
            return saved
    name = f"ve-{label}"
    _, b, _ = call("GET", f"/users/{uid}/application_credentials?name={name}", utok)
    for old in b["application_credentials"]:
        call("DELETE", f"/users/{uid}/application_credentials/{old['id']}", utok)
    _, b, _ = call("POST", f"/users/{uid}/application_credentials", utok, {"application_credential": {
        "name": name, "description": "VirtEngine OpenStack plugin tests", "roles": [{"name": role}]}})
    state[label] = {"id": b["application_credential"]["id"], "secret": b["application_credential"]["secret"]}
    return state[label]


admin_cred = app_cred("admin", "admin", ADMIN_PW, "admin", "admin")
demo_cred = app_cred("demo", "demo", DEMO_PW, "service", "member")
with open(STATE + ".tmp", "w") as f:
    json.dump(state, f)
os.chmod(STATE + ".tmp", 0o600)
os.replace(STATE + ".tmp", STATE)

# Catalog: the services that test/servers/openstack-test-server.ts plays. The cinder endpoint
# carries Keystone's $(project_id)s template, which Keystone fills in per token as for real clouds.
CATALOG = [
    ("compute", "nova", "/compute/v2.1"),
    ("network", "neutron", "/network"),
    ("volumev3", "cinderv3", "/volume/v3/$(project_id)s"),
    ("image", "glance", "/image"),
]
if not any(r["id"] == OTHER_REGION for r in call("GET", "/regions", tok)[1]["regions"]):
    call("POST", "/regions", tok, {"region": {"id": OTHER_REGION}})
for stype, sname, path in CATALOG:
    svc = find_or_create("services", "service", f"type={stype}", {"type": stype, "name": sname, "enabled": True})
    eps = call("GET", f"/endpoints?service_id={svc['id']}", tok)[1]["endpoints"]
    for region, base in ((REGION, SERVICES), (OTHER_REGION, DEAD)):
        for iface in ("public", "internal", "admin"):
            want = base + path
            have = [e for e in eps if e["region_id"] == region and e["interface"] == iface]
            if not have:
                call("POST", "/endpoints", tok, {"endpoint": {"service_id": svc["id"], "interface": iface,
                                                              "region_id": region, "url": want, "enabled": True}})
            elif have[0]["url"] != want:
                call("PATCH", f"/endpoints/{have[0]['id']}", tok, {"endpoint": {"url": want}})

exports = {
    "KEYSTONE_URL": URL,
    "OS_AUTH_URL": URL,
    "OS_REGION_NAME": REGION,
    "OS_SERVICES_URL": SERVICES,
    "OS_ADMIN_USERNAME": "admin",
    "OS_ADMIN_PASSWORD": ADMIN_PW,
    "OS_ADMIN_PROJECT": "admin",
    "OS_SERVICE_PROJECT": "service",
    "OS_SERVICE_PROJECT_ID": service["id"],
    "OS_DEMO_USERNAME": "demo",
    "OS_DEMO_PASSWORD": DEMO_PW,
    "OS_ADMIN_APP_CRED_ID": admin_cred["id"],
    "OS_ADMIN_APP_CRED_SECRET": admin_cred["secret"],
    "OS_DEMO_APP_CRED_ID": demo_cred["id"],
    "OS_DEMO_APP_CRED_SECRET": demo_cred["secret"],
}
for k, v in exports.items():
    print(f"export {k}={v}")
