"""Fixtures: one `stepwell serve --functions examples/lambda/NAME/stepwell.toml`
per example (module scope), checked to be alive at the end."""

import os
import sys
import uuid

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from harness import Server, example  # noqa: E402


def serve(functions, **kw):
    s = Server(functions=functions, **kw).start()
    try:
        yield s
    finally:
        alive = s.alive()
        log = s.log_tail()
        s.stop()
        s.cleanup()
        assert alive, f"the server died during the tests:\n{log}"


@pytest.fixture(scope="module")
def example_server(request):
    """The server for the module's EXAMPLE (and WAIT_SCALE)."""
    name = request.module.EXAMPLE
    scale = getattr(request.module, "WAIT_SCALE", 1.0)
    yield from serve(example(name, "stepwell.toml"), wait_scale=scale)


@pytest.fixture(scope="module")
def sfn(example_server):
    return example_server.client()


@pytest.fixture
def unique():
    return lambda prefix="": f"{prefix}{uuid.uuid4().hex[:10]}"
