"""/healthz (the process answers), /readyz (synced, connected, not halted), /metrics."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from node.api.deps import ServiceDep
from node.api.errors import error_body
from node.metrics import render_metrics

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request, service: ServiceDep) -> JSONResponse:
    """200 when the node is synced with its peers, reaches q-1 of them and is not halted."""
    readiness = request.app.state.readiness
    problems = readiness.problems(service)
    status = 200 if not problems else 503
    return JSONResponse({"ready": not problems, "problems": problems}, status_code=status)


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request, service: ServiceDep) -> PlainTextResponse:
    """Prometheus text format; every name starts with lantan_."""
    readiness = request.app.state.readiness
    text = render_metrics(
        service, request.app.state.inbox, request.app.state.transport, readiness.reachable_peers()
    )
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4")


@router.get("/v1/fork")
def fork_evidence(request: Request) -> JSONResponse:
    """After a fork (a second valid certificate at a height this node committed): both
    certified headers, as evidence anyone can check against genesis. 404 when none."""
    evidence = request.app.state.readiness.fork_evidence()
    if evidence is None:
        return JSONResponse(error_body("NOT_FOUND", "no fork seen"), status_code=404)
    return JSONResponse(evidence)
