"""Synthesizes a stack with the built cdk-pocket-id wheel (dist/python), as a Python user would.

Run by scripts/test-languages.sh, which installs the wheel, pytest and aws-cdk-lib into a venv.
"""
from typing import Any, Dict, List, Tuple

import aws_cdk as cdk
import aws_cdk.assertions as assertions
import aws_cdk.aws_secretsmanager as secretsmanager
import cdk_pocket_id

CLIENT_NAME = "python-language-test"
# The one handler of a stack lives under this construct id, frozen by the library (its ServiceToken
# depends on it), so its Lambda's logical id starts with it.
HANDLER_LOGICAL_ID_PREFIX = "CdkPocketIdProviderHandler"
# The runtime lib/private/pocket-id-provider.ts gives the handler.
HANDLER_RUNTIME = "nodejs24.x"
BACKCHANNEL_LOGOUT_URL = "https://app.example.com/backchannel-logout"
PUBLIC_KEY = ('{"kty":"EC","crv":"P-256","kid":"agent-1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",'
              '"y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}')


def resources_of_type(template: Dict[str, Any], resource_type: str) -> List[Tuple[str, Dict[str, Any]]]:
    return [(logical_id, resource) for logical_id, resource in template.get("Resources", {}).items()
            if resource.get("Type") == resource_type]


def synth() -> Dict[str, Any]:
    app = cdk.App()
    stack = cdk.Stack(app, "PythonLanguageTest")
    pocket_id = cdk_pocket_id.PocketId(
        stack, "PocketId",
        base_url="https://auth.example.com",
        api_token=secretsmanager.Secret.from_secret_name_v2(stack, "ApiToken", "pocket-id/api-token"),
    )
    cdk_pocket_id.OidcClient(stack, "Client", pocket_id=pocket_id, name=CLIENT_NAME,
                             callback_urls=["https://app.example.com/callback"],
                             backchannel_logout_url=BACKCHANNEL_LOGOUT_URL,
                             federated_identities=[cdk_pocket_id.FederatedIdentity(
                                 issuer="https://agent.example.com", public_keys=[PUBLIC_KEY])])
    return assertions.Template.from_stack(stack).to_json()


def test_synthesizes_one_oidc_client_with_its_secret_and_handler():
    template = synth()

    clients = resources_of_type(template, "Custom::PocketIdOidcClient")
    assert len(clients) == 1, f"expected one Custom::PocketIdOidcClient, got {clients}"
    assert clients[0][1]["Properties"]["Name"] == CLIENT_NAME
    assert clients[0][1]["Properties"]["BaseUrl"] == "https://auth.example.com"
    assert clients[0][1]["Properties"]["BackchannelLogoutUrl"] == BACKCHANNEL_LOGOUT_URL
    assert clients[0][1]["Properties"]["FederatedIdentities"] == [{"Issuer": "https://agent.example.com", "PublicKeys": [PUBLIC_KEY]}]

    secrets = resources_of_type(template, "AWS::SecretsManager::Secret")
    assert len(secrets) == 1, f"expected one AWS::SecretsManager::Secret, got {secrets}"

    handlers = [(logical_id, resource) for logical_id, resource in resources_of_type(template, "AWS::Lambda::Function")
                if logical_id.startswith(HANDLER_LOGICAL_ID_PREFIX)]
    assert len(handlers) == 1, f"expected one handler Lambda ({HANDLER_LOGICAL_ID_PREFIX}*), got {handlers}"
    assert handlers[0][1]["Properties"]["Runtime"] == HANDLER_RUNTIME
