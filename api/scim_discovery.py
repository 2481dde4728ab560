"""What /scim/v2 says about itself (RFC 7643 §5-7): ServiceProviderConfig, ResourceTypes and
Schemas, built from the attributes domain/scim_user.py keeps, so that the two cannot disagree."""

from __future__ import annotations

from typing import Any

from domain.scim_user import CORE, ENTERPRISE, EXTENSION, USER

SPC = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
MAX_RESULTS = 1000

_DESCRIPTIONS = {
    "userName": "Unique identifier for the User, typically the user principal name (an e-mail address).",
    "externalId": "The identity provider's own id of the User (Entra ID: the object id).",
    "active": "Whether the User is still in the organisation; false records a departure that day.",
    "department": "The name of an org unit; a known one places a new person there.",
    "manager": "The User's manager: the SCIM id of another User here.",
}
_REQUIRED = {"userName"}
_UNIQUE = {"userName": "server"}
_KINDS = {str: "string", bool: "boolean"}


def _attribute(name: str, kind: Any, sub: bool = False) -> dict[str, Any]:
    multi = isinstance(kind, list)
    inner = kind[0] if multi else kind
    out: dict[str, Any] = {
        "name": name, "type": "complex" if isinstance(inner, dict) else _KINDS[inner], "multiValued": multi,
        "description": _DESCRIPTIONS.get(name, name), "required": name in _REQUIRED and not sub,
        "caseExact": False, "mutability": "readWrite", "returned": "default",
        "uniqueness": _UNIQUE.get(name, "none"),
    }
    if isinstance(inner, dict):
        out["subAttributes"] = [_attribute(k, v, sub=True) for k, v in inner.items()]
    return out


def _schema(urn: str, name: str, attributes: dict[str, Any], base: str) -> dict[str, Any]:
    return {
        "schemas": [SCHEMA], "id": urn, "name": name, "description": f"{name} as ansvar keeps it",
        "attributes": [_attribute(k, v) for k, v in attributes.items() if k != "externalId"],
        "meta": {"resourceType": "Schema", "location": f"{base}/Schemas/{urn}"},
    }


def schemas(base: str) -> list[dict[str, Any]]:
    return [_schema(USER, "User", CORE, base), _schema(ENTERPRISE, "EnterpriseUser", EXTENSION, base)]


def resource_types(base: str) -> list[dict[str, Any]]:
    return [{
        "schemas": [RESOURCE_TYPE], "id": "User", "name": "User", "endpoint": "/Users",
        "description": "People in the organisation", "schema": USER,
        "schemaExtensions": [{"schema": ENTERPRISE, "required": False}],
        "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/User"},
    }]


def service_provider_config(base: str) -> dict[str, Any]:
    return {
        "schemas": [SPC],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": True},
        "authenticationSchemes": [{
            "type": "oauthbearertoken", "name": "SCIM credential", "primary": True,
            "description": "A bearer secret from 'ansvar token issue --scim --name NAME'",
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": f"{base}/ServiceProviderConfig"},
    }


def list_response(resources: list[dict[str, Any]], total: int, start: int) -> dict[str, Any]:
    return {"schemas": [LIST], "totalResults": total, "startIndex": start, "itemsPerPage": len(resources),
            "Resources": resources}
