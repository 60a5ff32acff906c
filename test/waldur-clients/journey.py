"""A provider/customer journey driven only through Waldur's own Python SDK (waldur-api-client).

Run by test/waldur-clients/journey.test.ts against a running VirtEngine worker. Every call goes
through the generated client, which raises UnexpectedStatus on any status Waldur would not send and
KeyErrors on missing required keys: passing means the real client works against our API unchanged.
Environment: VE_API_URL, VE_STAFF_TOKEN, VE_PROVIDER_TOKEN, VE_CUSTOMER_TOKEN.
"""

import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from uuid import UUID

from waldur_api_client import AuthenticatedClient
from waldur_api_client.errors import UnexpectedStatus
from waldur_api_client.api.customers import customers_create
from waldur_api_client.api.marketplace_categories import marketplace_categories_create
from waldur_api_client.api.marketplace_component_usages import (
    marketplace_component_usages_list,
    marketplace_component_usages_set_usage,
)
from waldur_api_client.api.marketplace_orders import (
    marketplace_orders_approve_by_provider,
    marketplace_orders_create,
    marketplace_orders_list,
    marketplace_orders_retrieve,
    marketplace_orders_set_state_done,
)
from waldur_api_client.api.marketplace_provider_offerings import (
    marketplace_provider_offerings_activate,
    marketplace_provider_offerings_create,
    marketplace_provider_offerings_retrieve,
)
from waldur_api_client.api.marketplace_public_offerings import (
    marketplace_public_offerings_list,
    marketplace_public_offerings_plans_list,
)
from waldur_api_client.api.marketplace_resources import (
    marketplace_resources_retrieve,
    marketplace_resources_terminate,
)
from waldur_api_client.api.marketplace_service_providers import marketplace_service_providers_create
from waldur_api_client.api.projects import projects_create
from waldur_api_client.api.users import users_me_retrieve
from waldur_api_client.models.customer_request import CustomerRequest
from waldur_api_client.models.marketplace_category_request import MarketplaceCategoryRequest
from waldur_api_client.models.offering_create_request import OfferingCreateRequest
from waldur_api_client.models.order_approve_by_provider_request import OrderApproveByProviderRequest
from waldur_api_client.models.order_create_request import OrderCreateRequest
from waldur_api_client.models.order_state import OrderState
from waldur_api_client.models.project_request import ProjectRequest
from waldur_api_client.models.resource_terminate_request import ResourceTerminateRequest
from waldur_api_client.models.component_usage_create_request import ComponentUsageCreateRequest
from waldur_api_client.models.service_provider_request import ServiceProviderRequest


def client(token: str) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=os.environ["VE_API_URL"], token=token, prefix="Token")


def step(msg: str) -> None:
    print(f"step: {msg}", flush=True)


def verify_domain(api: AuthenticatedClient, customer_url: str) -> str:
    """Issue 7: a provider proves a domain before its offerings go live. The identity API is a
    VirtEngine addition the SDK has no module for, so the SDK's own HTTP client calls it; the token
    is served as the well-known file from a loopback server (the worker runs insecure local checks)."""
    files: dict[str, str] = {}

    class WellKnown(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            body = files.get(self.headers.get("Host", "")) if self.path == "/.well-known/virtengine-challenge" else None
            self.send_response(200 if body is not None else 404)
            self.send_header("content-type", "text/plain")
            self.end_headers()
            self.wfile.write(f"{body}\n".encode() if body is not None else b"not found")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), WellKnown)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        http = api.get_httpx_client()
        domain = f"127.0.0.1:{server.server_address[1]}"
        started = http.post("/api/identity/domain/start/", json={"domain": domain, "customer": customer_url})
        assert started.status_code == 200, started.text
        files[domain] = started.json()["token"]
        verified = http.post("/api/identity/domain/verify/", json={"domain": domain, "customer": customer_url, "method": "http"})
        assert verified.status_code == 200, verified.text
        assert verified.json()["status"] == "verified", verified.text
        return domain
    finally:
        server.shutdown()
        server.server_close()


def main() -> int:
    staff = client(os.environ["VE_STAFF_TOKEN"])
    provider = client(os.environ["VE_PROVIDER_TOKEN"])
    customer = client(os.environ["VE_CUSTOMER_TOKEN"])

    me = users_me_retrieve.sync(client=provider)
    step(f"provider is {me.username}")

    org = customers_create.sync(client=provider, body=CustomerRequest.from_dict({"name": "PySDK Provider"}))
    sp = marketplace_service_providers_create.sync(
        client=provider, body=ServiceProviderRequest.from_dict({"customer": org.url, "description": "via SDK"})
    )
    step(f"service provider {sp.uuid}")
    cat = marketplace_categories_create.sync(client=staff, body=MarketplaceCategoryRequest.from_dict({"title": "SDK HPC"}))
    offering = marketplace_provider_offerings_create.sync(
        client=provider,
        body=OfferingCreateRequest.from_dict(
            {
                "name": "SDK consulting",
                "category": cat.url,
                "customer": org.url,
                "type": "Marketplace.Basic",
                "shared": True,
                "components": [
                    {"type": "hours", "name": "Hours", "measured_unit": "h", "billing_type": "usage"},
                ],
                "plans": [{"name": "Hourly", "unit": "month", "prices": {"hours": "80.00"}}],
            }
        ),
    )
    assert str(offering.state) == "Draft", offering.state
    # Waldur's schema lists no 400 for activate, so the SDK raises on it (as on any refusal Waldur sends there).
    try:
        marketplace_provider_offerings_activate.sync_detailed(uuid=UUID(str(offering.uuid)), client=staff)
        raise AssertionError("activation before a verified domain was accepted")
    except UnexpectedStatus as refused:
        assert refused.status_code == 400 and b"customer" in refused.content, (refused.status_code, refused.content)
    step(f"activation refused until the provider verifies a domain; verified {verify_domain(provider, org.url)}")
    marketplace_provider_offerings_activate.sync(uuid=UUID(str(offering.uuid)), client=staff)
    offering = marketplace_provider_offerings_retrieve.sync(uuid=UUID(str(offering.uuid)), client=provider)
    assert str(offering.state) == "Active", offering.state
    step("offering active")

    corg = customers_create.sync(client=customer, body=CustomerRequest.from_dict({"name": "PySDK Customer"}))
    project = projects_create.sync(client=customer, body=ProjectRequest.from_dict({"name": "SDK project", "customer": corg.url}))
    found = marketplace_public_offerings_list.sync(client=customer, name="SDK consulting")
    assert len(found) == 1, found
    plans = marketplace_public_offerings_plans_list.sync(uuid=UUID(str(found[0].uuid)), client=customer)
    order = marketplace_orders_create.sync(
        client=customer,
        body=OrderCreateRequest.from_dict(
            {
                "offering": found[0].url,
                "project": project.url,
                "plan": plans[0].url,
                "attributes": {"name": "sdk-resource"},
                "accepting_terms_of_service": True,
            }
        ),
    )
    assert str(order.state) == "pending-provider", order.state
    step(f"order {order.uuid} pending-provider")

    pending = marketplace_orders_list.sync(client=provider, offering_uuid=UUID(str(offering.uuid)), state=[OrderState.PENDING_PROVIDER])
    assert [str(o.uuid) for o in pending] == [str(order.uuid)], pending
    marketplace_orders_approve_by_provider.sync(
        uuid=UUID(str(order.uuid)), client=provider, body=OrderApproveByProviderRequest.from_dict({})
    )
    order = marketplace_orders_retrieve.sync(uuid=UUID(str(order.uuid)), client=provider)
    assert str(order.state) == "executing", order.state
    r = marketplace_orders_set_state_done.sync_detailed(uuid=UUID(str(order.uuid)), client=provider)
    assert r.status_code == 200, r.status_code
    resource = marketplace_resources_retrieve.sync(uuid=UUID(str(order.marketplace_resource_uuid)), client=customer)
    assert str(resource.state) == "OK", resource.state
    step(f"resource {resource.uuid} OK")

    r = marketplace_component_usages_set_usage.sync_detailed(
        client=provider,
        body=ComponentUsageCreateRequest.from_dict(
            {"usages": [{"type": "hours", "amount": "3.50"}], "resource": str(resource.uuid)}
        ),
    )
    assert r.status_code == 201, r.status_code
    usages = marketplace_component_usages_list.sync(client=customer, resource_uuid=UUID(str(resource.uuid)))
    assert [(u.type_, str(u.usage)) for u in usages] == [("hours", "3.50")], [(u.type_, u.usage) for u in usages]
    step("usage reported")

    term = marketplace_resources_terminate.sync(
        uuid=UUID(str(resource.uuid)), client=customer, body=ResourceTerminateRequest.from_dict({})
    )
    torder = marketplace_orders_retrieve.sync(uuid=UUID(str(term.order_uuid)), client=provider)
    if str(torder.state) == "pending-provider":
        marketplace_orders_approve_by_provider.sync(
            uuid=UUID(str(torder.uuid)), client=provider, body=OrderApproveByProviderRequest.from_dict({})
        )
    marketplace_orders_set_state_done.sync_detailed(uuid=UUID(str(torder.uuid)), client=provider)
    resource = marketplace_resources_retrieve.sync(uuid=UUID(str(resource.uuid)), client=customer)
    assert str(resource.state) == "Terminated", resource.state
    step("resource terminated")
    print("journey: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
