"""moto's server, with its Secrets Manager version staging brought in line with the real service.

moto 5.2.5 departs from Secrets Manager's API reference in four ways that the rotation protocol
depends on; each patch below restores what the reference says:

1. UpdateSecretVersionStage moving AWSCURRENT leaves moto's "default version" behind, so a
   GetSecretValue without a stage returns the old value, and the next PutSecretValue demotes the
   old version a second time (UpdateSecretVersionStage: "You can move the AWSCURRENT staging label
   to this version by including it in this call"); and attaching a label a version already has
   attaches it twice ("Each staging label can be attached to only one version at a time").
2. PutSecretValue moving AWSCURRENT replaces every label of the version it leaves with AWSPREVIOUS,
   dropping labels of the caller's own (PutSecretValue, VersionStages: "If you specify AWSCURRENT,
   and it is already attached to another version, then Secrets Manager also moves the staging label
   AWSPREVIOUS to the version that AWSCURRENT was removed from"; other labels stay).
3. ListSecretVersionIds gives every version the time of the call as its CreatedDate, not the time
   the version was made ("CreatedDate: The date and time this version of the secret was created").
4. PutSecretValue with the ClientRequestToken of an existing version overwrites its value
   (ClientRequestToken: "If a version with this value already exists and that version's SecretString
   and SecretBinary values are different from those in the request, then the request fails because
   you can't modify a secret version").

And RotateSecret can reach the handler under test: moto invokes rotation functions through its own
Lambda, which needs Docker. A rotation function named `http-rotation-<port>` is invoked instead by
POSTing each step's event to http://127.0.0.1:<port>/ (the tests' invoker, which hands it to the
bundled handler in its Lambda container). As in Secrets Manager, RotateSecret makes the AWSPENDING
version (without a value), then runs createSecret, setSecret, testSecret and finishSecret, and stops
at the first step that fails; the caller learns the outcome from the invoker, as a Secrets Manager
user learns it from the function's logs. With RotateImmediately=false it makes the AWSPENDING version
and runs no step, so that a test can deliver the steps itself, repeated or out of turn.

Usage: python moto_server.py -H 127.0.0.1 -p PORT (the arguments of moto_server).
"""
import json
import re
import sys
import time
import urllib.request
import uuid

from moto.secretsmanager import models
from moto.secretsmanager.exceptions import InvalidRequestException, ResourceExistsException
from moto.server import main


def reset_default_version(self, secret_version, version_id):
    for old in self.versions.values():
        if "AWSPREVIOUS" in old["version_stages"]:
            old["version_stages"].remove("AWSPREVIOUS")
    for old_id, old in self.versions.items():
        if old_id != version_id and "AWSCURRENT" in old["version_stages"]:
            old["version_stages"].remove("AWSCURRENT")
            old["version_stages"].append("AWSPREVIOUS")
    self.versions[version_id] = secret_version
    self.default_version_id = version_id


original_update_stage = models.SecretsManagerBackend.update_secret_version_stage


def update_secret_version_stage(self, secret_id, version_stage, remove_from_version_id, move_to_version_id):
    secret = self.secrets[secret_id] if secret_id in self.secrets else None
    already = secret is not None and move_to_version_id in secret.versions and version_stage in secret.versions[move_to_version_id]["version_stages"]
    if already and not remove_from_version_id:
        return secret.arn, secret.name
    result = original_update_stage(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)
    if version_stage == "AWSCURRENT" and move_to_version_id:
        self.secrets[secret_id].set_default_version_id(move_to_version_id)
    return result


original_put = models.SecretsManagerBackend.put_secret_value


def put_secret_value(self, secret_id, secret_string, secret_binary, client_request_token, version_stages):
    secret = self.secrets[secret_id] if secret_id in self.secrets else None
    existing = secret.versions.get(client_request_token) if secret is not None and client_request_token else None
    if existing is not None and ("secret_string" in existing or "secret_binary" in existing):
        if existing.get("secret_string") != secret_string or existing.get("secret_binary") != secret_binary:
            raise ResourceExistsException("You can't modify an existing version, you can only create a new version.")
        return secret.to_short_dict(include_version_stages=True, version_id=client_request_token)
    return original_put(self, secret_id, secret_string, secret_binary, client_request_token, version_stages)


def list_secret_version_ids(self, secret_id):
    secret = self.secrets[secret_id]
    versions = [
        {"CreatedDate": version["createdate"], "VersionId": version_id, "VersionStages": version["version_stages"]}
        for version_id, version in secret.versions.items()
    ]
    return json.dumps({"ARN": secret.arn, "Name": secret.name, "Versions": versions})


HTTP_ROTATION = re.compile(r"function:http-rotation-(\d+)$")
ROTATION_STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"]
original_rotate = models.SecretsManagerBackend.rotate_secret


def rotate_secret(self, secret_id, client_request_token=None, rotation_lambda_arn=None, rotation_rules=None, rotate_immediately=True):
    secret = self.secrets[secret_id] if secret_id in self.secrets else None
    target = HTTP_ROTATION.search(rotation_lambda_arn or (secret.rotation_lambda_arn if secret is not None else "") or "")
    if secret is None or target is None:
        return original_rotate(self, secret_id, client_request_token, rotation_lambda_arn, rotation_rules, rotate_immediately)
    pending = [v for v in secret.versions.values() if "AWSPENDING" in v["version_stages"] and "AWSCURRENT" not in v["version_stages"]]
    if pending:
        raise InvalidRequestException("Previous rotation request is still in progress.")
    token = client_request_token or str(uuid.uuid4())
    secret.remove_version_stages_from_old_versions(["AWSPENDING"])
    secret.versions[token] = {"createdate": int(time.time()), "version_id": token, "version_stages": ["AWSPENDING"]}
    secret.rotation_requested = True
    secret.rotation_enabled = True
    secret.rotation_lambda_arn = rotation_lambda_arn or secret.rotation_lambda_arn
    if rotation_rules:
        secret.auto_rotate_after_days = rotation_rules.get("AutomaticallyAfterDays", 0)
    if rotate_immediately:
        for step in ROTATION_STEPS:
            event = {"Step": step, "SecretId": secret.arn, "ClientRequestToken": token}
            request = urllib.request.Request(f"http://127.0.0.1:{target.group(1)}/", data=json.dumps(event).encode(), method="POST")
            with urllib.request.urlopen(request, timeout=600) as answer:
                if json.loads(answer.read()).get("ok") is not True:
                    break
    secret.last_rotation_date = int(time.time())
    return json.dumps({"ARN": secret.arn, "Name": secret.name, "VersionId": token})


models.FakeSecret.reset_default_version = reset_default_version
models.SecretsManagerBackend.update_secret_version_stage = update_secret_version_stage
models.SecretsManagerBackend.put_secret_value = put_secret_value
models.SecretsManagerBackend.rotate_secret = rotate_secret
models.SecretsManagerBackend.list_secret_version_ids = list_secret_version_ids

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
