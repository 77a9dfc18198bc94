# The official Python client (`replicate` 1.0.7) against a running emulator: each check exercises
# one main path the way a user's code would, and prints one JSON line {"name", "ok", "detail"}.
# Run by test/emulator/python-client.test.ts, which starts the emulator and reads the lines.
# Environment: REPLICATE_API_TOKEN, REPLICATE_BASE_URL (the origin, without /v1),
# EMULATOR_HTTPS=1 when the emulator serves TLS (outputs then come back as FileOutput objects).

import asyncio
import io
import json
import os
import sys
import time
import traceback

import typing_extensions

# Debian's typing_extensions 4.4 lacks `deprecated` (4.5+), which the client imports at load time.
if not hasattr(typing_extensions, "deprecated"):
    typing_extensions.deprecated = lambda *a, **k: (lambda f: f)

import httpx  # noqa: E402
import replicate  # noqa: E402
from replicate.exceptions import ModelError, ReplicateError  # noqa: E402
from replicate.helpers import FileOutput  # noqa: E402

FLUX = "black-forest-labs/flux-schnell"
HTTPS = os.environ.get("EMULATOR_HTTPS") == "1"
ONLY = set(filter(None, os.environ.get("CHECKS", "").split(",")))
client = replicate.Client()
checks = []


def check(fn):
    checks.append(fn)
    return fn


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def magic(data: bytes) -> str:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp":
        return "mp4"
    return "unknown"


def output_bytes(item) -> bytes:
    """An output as the client hands it over: a FileOutput over https, a plain URL string over http."""
    if HTTPS:
        expect(isinstance(item, FileOutput), f"an https output should be a FileOutput, got {type(item)}")
        return item.read()
    expect(isinstance(item, str), f"an http output should be a plain URL string, got {type(item)}")
    return httpx.get(item, verify=os.environ.get("SSL_CERT_FILE", True)).content


def flux_version() -> str:
    return client.models.get(FLUX).latest_version.id


@check
def run_with_file_outputs():
    output = client.run(FLUX, input={"prompt": "a lighthouse", "num_outputs": 2, "output_format": "png"})
    expect(len(output) == 2, f"2 outputs expected, got {output!r}")
    for item in output:
        expect(magic(output_bytes(item)) == "png", "each output downloads as a PNG")


@check
def run_by_version_reads_the_version():
    output = client.run(f"{FLUX}:{flux_version()}", input={"prompt": "a kite", "output_format": "jpg"})
    expect(magic(output_bytes(output[0])) == "jpg", "the output is a JPEG")


@check
def run_with_a_file_input_uploads_it_first():
    before = len(client.files.list())
    png = client.run(FLUX, input={"prompt": "a frame", "output_format": "png"})[0]
    frame = io.BytesIO(output_bytes(png))
    frame.name = "frame.png"
    output = client.run("fofr/skyreels-2", input={"images": [frame], "duration": 1})
    expect(magic(output_bytes(output)) == "mp4", "the video output is an MP4")
    expect(len(client.files.list()) == before + 1, "the file input went through the Files API")


@check
def run_failure_raises_model_error():
    try:
        client.run(FLUX, input={"prompt": "[emulator:fail=out of memory]"})
    except ModelError as error:
        expect(error.prediction.status == "failed", "the error carries the failed prediction")
        expect("out of memory" in str(error.prediction.error), f"the model's error is kept: {error.prediction.error}")
        return
    raise AssertionError("a failed prediction must raise ModelError")


@check
def predictions_create_get_wait_reload():
    prediction = client.predictions.create(model=FLUX, input={"prompt": "a bicycle"})
    expect(prediction.status in ("starting", "processing", "succeeded"), f"status {prediction.status}")
    fetched = client.predictions.get(prediction.id)
    expect(fetched.id == prediction.id, "get returns the same prediction")
    prediction.wait()
    expect(prediction.status == "succeeded", f"wait ends succeeded, got {prediction.status}")
    expect(prediction.metrics and prediction.metrics.get("predict_time", 0) > 0, "metrics.predict_time is set")
    prediction.reload()
    expect(prediction.output and len(prediction.output) == 1, "the output is one image")


@check
def predictions_create_by_version_and_list():
    created = client.predictions.create(version=flux_version(), input={"prompt": "listed"})
    page = client.predictions.list()
    expect(page.results[0].id == created.id, "the newest prediction is listed first")


@check
def predictions_cancel():
    prediction = client.predictions.create(model=FLUX, input={"prompt": "[emulator:start_ms=60000] slow"})
    canceled = client.predictions.cancel(prediction.id)
    expect(canceled.status == "canceled", f"cancel answers canceled, got {canceled.status}")
    expect(client.predictions.get(prediction.id).status == "canceled", "get agrees")


@check
def predictions_progress_parses_logs():
    prediction = client.predictions.create(model=FLUX, input={"prompt": "progress"})
    prediction.wait()
    expect(prediction.progress is not None and prediction.progress.percentage == 1.0, "tqdm logs parse as 100%")


@check
def models_get_and_list():
    model = client.models.get(FLUX)
    expect(model.owner == "black-forest-labs" and model.latest_version is not None, "model with latest version")
    names = [f"{m.owner}/{m.name}" for m in client.models.list().results]
    expect(FLUX in names, f"the model list has {FLUX}: {names}")


@check
def models_search():
    page = client.models.search("flux")
    expect(any(m.name == "flux-schnell" for m in page.results), "searching 'flux' finds flux-schnell")


@check
def versions_get_and_list():
    model = client.models.get(FLUX)
    version = model.versions.get(model.latest_version.id)
    expect(version.id == model.latest_version.id and "components" in version.openapi_schema, "version by id")
    expect([v.id for v in model.versions.list().results] == [version.id], "the version list")


@check
def model_create_train_version_delete():
    model = client.models.create(owner="emulator", name="py-trained", visibility="private", hardware="gpu-t4")
    expect(model.visibility == "private" and model.latest_version is None, "a new model has no version")
    training = client.trainings.create(
        model=FLUX, version=flux_version(), input={"steps": 10}, destination="emulator/py-trained"
    )
    expect(training.status in ("starting", "processing"), f"a training starts, got {training.status}")
    expect(any(t.id == training.id for t in client.trainings.list().results), "the training is listed")
    while training.status not in ("succeeded", "failed", "canceled"):
        time.sleep(0.01)
        training.reload()
    expect(training.status == "succeeded", f"the training succeeds, got {training.status}")
    new_version = training.output["version"]
    expect(new_version.startswith("emulator/py-trained:"), f"output.version names the new version: {new_version}")
    trained = client.models.get("emulator/py-trained")
    expect(trained.latest_version.id == new_version.split(":")[1], "the destination's latest version is the new one")
    output = client.run(new_version, input={"prompt": "from the trained version", "output_format": "png"})
    expect(magic(output_bytes(output[0])) == "png", "the trained version runs")
    # The schema (and the emulator) answer 202 Accepted; this client reports True only for a 204, so its
    # boolean is not checked: the version being gone is.
    trained.versions.delete(trained.latest_version.id)
    expect(client.models.get("emulator/py-trained").latest_version is None, "no version left")
    expect(client.models.delete("emulator/py-trained"), "the model is deleted")
    try:
        client.models.get("emulator/py-trained")
    except ReplicateError as error:
        expect(error.status == 404, f"a deleted model is 404, got {error.status}")
        return
    raise AssertionError("a deleted model must be gone")


@check
def trainings_cancel():
    client.models.create(owner="emulator", name="py-canceled", visibility="private", hardware="gpu-t4")
    training = client.trainings.create(
        model=FLUX, version=flux_version(), input={"steps": 10}, destination="emulator/py-canceled"
    )
    canceled = client.trainings.cancel(training.id)
    expect(canceled.status == "canceled", f"cancel answers canceled, got {canceled.status}")
    expect(client.trainings.get(training.id).status == "canceled", "get agrees")


@check
def deployments_lifecycle():
    deployment = client.deployments.create(
        name="py-deploy", model=FLUX, version=flux_version(), hardware="gpu-t4", min_instances=0, max_instances=1
    )
    expect(deployment.name == "py-deploy" and deployment.current_release.number == 1, "release 1")
    expect(any(d.name == "py-deploy" for d in client.deployments.list().results), "listed")
    updated = client.deployments.update(deployment.owner, "py-deploy", max_instances=3)
    expect(updated.current_release.number == 2, "an update makes release 2")
    expect(updated.current_release.configuration.max_instances == 3, "with the new configuration")
    got = client.deployments.get(f"{deployment.owner}/py-deploy")
    prediction = got.predictions.create(input={"prompt": "deployed"})
    prediction.wait()
    expect(prediction.status == "succeeded", f"a deployment prediction succeeds, got {prediction.status}")
    expect(client.deployments.delete(deployment.owner, "py-deploy"), "deleted")


@check
def files_create_get_list_delete():
    created = client.files.create(io.BytesIO(b"hello emulator"), filename="hello.txt", metadata={"k": "v"})
    expect(created.name == "hello.txt" and created.size == 14, "name and size")
    expect(set(created.checksums) >= {"sha256", "md5"} and created.etag, "checksums and etag")
    expect(client.files.get(created.id).id == created.id, "get")
    expect(any(f.id == created.id for f in client.files.list()), "list")
    client.files.delete(created.id)
    try:
        client.files.get(created.id)
    except ReplicateError as error:
        expect(error.status == 404, "a deleted file is 404")
        return
    raise AssertionError("a deleted file must be gone")


@check
def stream_events():
    events = list(client.stream(FLUX, input={"prompt": "streamed"}))
    kinds = [event.event.value for event in events]
    expect("output" in kinds, f"an output event arrives: {kinds}")
    expect(kinds[-1] == "done", f"the stream ends with done: {kinds}")


@check
def webhooks_default_secret():
    secret = client.webhooks.default.secret()
    expect(secret.key.startswith("whsec_"), "the secret is a whsec_ key")


@check
def webhooks_validate_a_delivery():
    import http.server
    import threading

    received = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server naming
            body = self.rfile.read(int(self.headers["content-length"])).decode("utf-8")
            received.append((dict(self.headers), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        hook = f"http://127.0.0.1:{server.server_address[1]}/hook"
        client.predictions.create(
            model=FLUX, input={"prompt": "hooked"}, webhook=hook, webhook_events_filter=["completed"]
        )
        deadline = time.time() + 30
        while not received and time.time() < deadline:
            time.sleep(0.01)
        expect(received, "the completed webhook arrived")
        headers, body = received[0]
        secret = client.webhooks.default.secret()
        # A 5-minute tolerance: webhook-timestamp is real time, as receivers expect.
        client.webhooks.validate(headers=headers, body=body, secret=secret, tolerance=300)  # raises when invalid
        expect(json.loads(body)["status"] == "succeeded", "the delivery is the succeeded prediction")
        try:
            client.webhooks.validate(headers=headers, body=body.replace("succeeded", "failed"), secret=secret)
        except Exception:  # noqa: BLE001 - InvalidSignatureError, whatever its module
            return
        raise AssertionError("a tampered body must not validate")
    finally:
        server.shutdown()


@check
def account_hardware_collections():
    expect(client.accounts.current().username, "the account has a username")
    expect(any(h.sku == "gpu-t4" for h in client.hardware.list()), "hardware lists gpu-t4")
    collections = client.collections.list().results
    expect(collections, "there are collections")
    collection = client.collections.get(collections[0].slug)
    expect(len(collection.models) > 0, "a collection holds models")


@check
def errors_carry_status_and_detail():
    try:
        client.models.get("nobody/nothing")
    except ReplicateError as error:
        expect(error.status == 404 and "not found" in (error.detail or ""), f"404 with detail: {error}")
    else:
        raise AssertionError("an unknown model must raise")
    try:
        client.predictions.create(model=FLUX, input={"prompt": "x", "num_outputs": 9})
    except ReplicateError as error:
        expect(error.status == 422 and "num_outputs" in (error.detail or ""), f"422 names the field: {error}")
    else:
        raise AssertionError("an invalid input must raise")
    try:
        replicate.Client(api_token="r8_wrong").models.get(FLUX)
    except ReplicateError as error:
        expect(error.status == 401, f"a wrong token is 401, got {error.status}")
    else:
        raise AssertionError("a wrong token must raise")


@check
def async_variants():
    async def main():
        output = await client.async_run(FLUX, input={"prompt": "async", "output_format": "png"})
        expect(magic(output_bytes(output[0])) == "png", "async_run output")
        prediction = await client.predictions.async_create(model=FLUX, input={"prompt": "async create"})
        await prediction.async_wait()
        expect(prediction.status == "succeeded", "async wait")
        expect((await client.predictions.async_get(prediction.id)).id == prediction.id, "async get")
        expect((await client.models.async_get(FLUX)).name == "flux-schnell", "async model get")
        created = await client.files.async_create(io.BytesIO(b"async file"), filename="a.txt")
        expect(created.name == "a.txt", "async file create")
        events = [event.event.value async for event in await client.async_stream(FLUX, input={"prompt": "s"})]
        expect(events[-1] == "done", "async stream")

    asyncio.run(main())


for fn in checks:
    if ONLY and fn.__name__ not in ONLY:
        continue
    try:
        fn()
        print(json.dumps({"name": fn.__name__, "ok": True}), flush=True)
    except Exception as error:  # noqa: BLE001 - every failure is reported, not raised
        detail = f"{type(error).__name__}: {error}"
        if isinstance(error, ReplicateError):
            detail += f" (status {error.status}: {error.detail})"
        detail += "\n" + traceback.format_exc(limit=6)
        print(json.dumps({"name": fn.__name__, "ok": False, "detail": detail}), flush=True)
sys.exit(0)
