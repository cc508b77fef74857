"""The OpenAPI description is generated from the input models and is valid OpenAPI 3.1."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from openapi_spec_validator import validate
from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator

from patrol.inputs.openapi import describe_api

KINDS = {
    "visit_start",
    "visit_end",
    "violation",
    "crowd_count",
    "checkpoint_scan",
    "complaint_accept",
    "complaint_close",
}


def _spec(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_description_is_valid_openapi_3_1(client):
    spec = _spec(client)
    assert spec["openapi"].startswith("3.1")
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_every_api_endpoint_is_described(app, client):
    paths = set(_spec(client)["paths"])
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
    }
    assert routes <= paths, routes - paths
    assert {"/sync", "/parks", "/sos", "/csrf-token"} <= paths


def test_each_sync_record_kind_is_its_own_schema(client):
    schemas = _spec(client)["components"]["schemas"]
    union = schemas["SyncRecord"]
    assert set(union["discriminator"]["mapping"]) == KINDS
    for ref in union["discriminator"]["mapping"].values():
        name = ref.rsplit("/", 1)[1]
        assert {"uuid", "kind", "recorded_at"} <= set(schemas[name]["required"])
    assert "zone_id" in schemas["VisitStartRecord"]["properties"]
    assert "headcount" in schemas["CrowdCountRecord"]["properties"]
    assert "token" in schemas["CheckpointScanRecord"]["properties"]


def test_fine_amount_is_described_as_the_service_reads_it(client):
    """A number, or text with thousands dots ("100.000"), as the violation form sends it."""
    fine = _spec(client)["components"]["schemas"]["ViolationRecord"]["properties"]["fine_amount"]
    kinds = {option.get("type") for option in fine["anyOf"]}
    assert {"integer", "string", "null"} <= kinds
    text = next(option for option in fine["anyOf"] if option.get("type") == "string")
    assert re.match(text["pattern"], "100.000")


def test_the_sync_body_and_the_sos_are_described(client):
    spec = _spec(client)
    sync = spec["paths"]["/sync"]["post"]
    assert {"200", "400", "401", "403", "413"} <= set(sync["responses"])
    batch = spec["components"]["schemas"]["SyncBatch"]
    assert batch["properties"]["records"]["maxItems"] == 500
    sos = spec["components"]["schemas"]["SosRequest"]
    assert {"uuid", "lat", "lon", "accuracy_m"} <= set(sos["properties"])


def test_every_route_and_method_is_described_from_the_url_map(app, client):
    spec = _spec(client)
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = spec["paths"][path][method.lower()]
            assert operation["summary"] and operation["responses"]
            for name in rule.arguments:
                assert any(p["name"] == name and p["in"] == "path" for p in operation["parameters"])


def test_the_forecast_query_comes_from_its_input_model(client):
    forecast = _spec(client)["paths"]["/parks/{zone_id}/forecast"]["get"]
    [date] = [p for p in forecast["parameters"] if p["in"] == "query"]
    assert date["name"] == "date" and date["schema"]["format"] == "date"
    [zone] = [p for p in forecast["parameters"] if p["in"] == "path"]
    assert zone["schema"] == {"type": "integer", "minimum": 1}


def test_a_route_without_a_description_fails_the_document():
    other = Flask(__name__)
    other.add_url_rule("/api/v1/undescribed", "undescribed", lambda: "")
    with pytest.raises(LookupError, match="/api/v1/undescribed"):
        describe_api(other, "http://localhost")
