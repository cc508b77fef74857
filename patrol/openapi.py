"""The OpenAPI 3 description of /api/v1, served at GET /api/v1/openapi.json."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from patrol.services.sync import KINDS, MAX_RECORDS

_GPS = {
    "lat": {"type": "number", "minimum": -90, "maximum": 90, "nullable": True},
    "lon": {"type": "number", "minimum": -180, "maximum": 180, "nullable": True},
    "accuracy_m": {"type": "number", "minimum": 0, "nullable": True},
    "gps_error": {
        "type": "string",
        "enum": ["denied", "unavailable", "timeout", "unsupported"],
        "description": "Why there is no fix (when lat/lon are missing).",
    },
}


def _app_version() -> str:
    try:
        return version("patroli")
    except PackageNotFoundError:
        return "0"


def describe_api(server_url: str) -> dict:
    """The API description as a plain dict (JSON-ready)."""
    record = {
        "type": "object",
        "required": ["uuid", "kind", "recorded_at"],
        "properties": {
            "uuid": {
                "type": "string",
                "format": "uuid",
                "description": "Chosen by the phone; a visit_end has its own UUID.",
            },
            "kind": {"type": "string", "enum": list(KINDS)},
            "recorded_at": {
                "type": "string",
                "format": "date-time",
                "description": "When it happened on the phone (ISO 8601 with a zone).",
            },
            **_GPS,
            "zone_id": {"type": "integer", "description": "visit_start: the zone."},
            "visit_uuid": {
                "type": "string",
                "format": "uuid",
                "description": (
                    "violation, crowd_count, checkpoint_scan, visit_end: the visit's UUID."
                ),
            },
            "category": {"type": "string", "description": "violation: category code"},
            "action": {"type": "string", "description": "violation: action code"},
            "people_count": {"type": "integer", "minimum": 1, "maximum": 10000},
            "fine_amount": {"type": "integer", "minimum": 0, "nullable": True},
            "offender_name": {"type": "string", "maxLength": 120, "nullable": True},
            "offender_nik": {
                "type": "string",
                "description": "16 digits; stored only as a keyed hash and the last four.",
                "nullable": True,
            },
            "notes": {"type": "string", "maxLength": 2000, "nullable": True},
            "headcount": {"type": "integer", "minimum": 0, "maximum": 10000},
            "token": {
                "type": "string",
                "description": "checkpoint_scan: the token read from the QR sticker or NFC tag.",
            },
        },
    }
    result = {
        "type": "object",
        "required": ["uuid", "status"],
        "properties": {
            "uuid": {"type": "string", "nullable": True},
            "status": {
                "type": "string",
                "enum": ["created", "duplicate", "conflict", "rejected"],
                "description": (
                    "duplicate: the UUID is stored with the same content (nothing new); "
                    "conflict: stored with different content; rejected: invalid (see error)."
                ),
            },
            "id": {"type": "integer"},
            "error": {"type": "string", "description": "Reason, in Bahasa Indonesia."},
            "field": {"type": "string"},
        },
    }
    error = {
        "description": "An error message in Bahasa Indonesia.",
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"error": {"type": "string"}}}
            }
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Patroli API",
            "version": _app_version(),
            "description": (
                "Offline sync for officers' phones and a CSRF token for scripts. "
                "Calls use the browser's session cookie and an X-CSRFToken header."
            ),
        },
        "servers": [{"url": server_url + "/api/v1"}],
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
            "schemas": {"SyncRecord": record, "SyncResult": result},
        },
        "paths": {
            "/sync": {
                "post": {
                    "summary": "Send the phone's outbox (officers only)",
                    "description": (
                        "Records are applied oldest first, each visit's start before its "
                        "entries, in any order within the batch; each in its own savepoint, "
                        f"so one bad record does not stop the rest. At most {MAX_RECORDS}."
                    ),
                    "security": [{"session": [], "csrf": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["records"],
                                    "properties": {
                                        "records": {
                                            "type": "array",
                                            "maxItems": MAX_RECORDS,
                                            "items": {"$ref": "#/components/schemas/SyncRecord"},
                                        }
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "One result per record, in the order sent.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "results": {
                                                "type": "array",
                                                "items": {
                                                    "$ref": "#/components/schemas/SyncResult"
                                                },
                                            }
                                        },
                                    }
                                }
                            },
                        },
                        "400": error | {"description": "Not JSON, or the CSRF token expired."},
                        "401": error | {"description": "The session ended: log in again."},
                        "403": error | {"description": "Not an officer."},
                        "413": error | {"description": f"More than {MAX_RECORDS} records."},
                    },
                }
            },
            "/csrf-token": {
                "get": {
                    "summary": "A fresh CSRF token (any logged-in user)",
                    "security": [{"session": []}],
                    "responses": {
                        "200": {
                            "description": "The token",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {"csrf_token": {"type": "string"}},
                                    }
                                }
                            },
                        },
                        "401": error | {"description": "The session ended."},
                    },
                }
            },
            # --- Entry photos (issue 16, engineer field) ---
            "/entries/{entry_uuid}/photo": {
                "post": {
                    "summary": "Attach a violation's photo by the violation's UUID (officers)",
                    "description": (
                        "Sent after the entry itself (online or from the outbox), shrunk on "
                        "the phone. Exactly once: while the entry has a photo, another "
                        "upload stores nothing and gets the same answer. The server "
                        "re-encodes it as JPEG without metadata and keeps a thumbnail."
                    ),
                    "security": [{"session": [], "csrf": []}],
                    "parameters": [
                        {
                            "name": "entry_uuid",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "format": "uuid"},
                            "description": "The violation's client UUID.",
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["photo"],
                                    "properties": {"photo": {"type": "string", "format": "binary"}},
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Stored now, or already stored (a retry).",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "uuid": {"type": "string", "format": "uuid"},
                                            "photo_url": {"type": "string"},
                                            "thumbnail_url": {"type": "string"},
                                        },
                                    }
                                }
                            },
                        },
                        "400": error | {"description": "The CSRF token expired."},
                        "401": error | {"description": "The session ended: log in again."},
                        "403": error | {"description": "Another officer's entry."},
                        "404": error | {"description": "No violation has this UUID."},
                        "413": error | {"description": "The photo is too large."},
                        "422": error | {"description": "No photo, or not an image."},
                    },
                }
            },
            # --- end of entry photos ---
            "/openapi.json": {
                "get": {
                    "summary": "This description (public)",
                    "responses": {"200": {"description": "OpenAPI 3 document"}},
                }
            },
        },
    }
