"""/healthz (the process answers), /readyz (synced, connected, not halted), /metrics."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from node.api.deps import ServiceDep
from node.api.errors import error_body
from node.api.schemas import ErrorResponse, ForkResponse, ReadyResponse

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses={
        200: {"model": ReadyResponse, "description": "Ready"},
        503: {"model": ReadyResponse, "description": "Not ready: `problems` says why"},
    },
)
def readyz(request: Request, service: ServiceDep) -> JSONResponse:
    """200 when the node is synced with its peers, reaches q-1 of them and is not halted;
    `catching_up` ({height, target}, or null) says whether it is catching up; `warnings`
    what an operator should see though it is ready (a clock behind the others')."""
    readiness = request.app.state.readiness
    problems = readiness.problems(service)
    catching_up = readiness.catching_up(service)
    answer = {
        "ready": not problems,
        "problems": problems,
        "warnings": readiness.warnings(service),
        "catching_up": None if catching_up is None else catching_up.to_json(),
    }
    return JSONResponse(answer, status_code=200 if not problems else 503)


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(service: ServiceDep) -> Response:
    """Prometheus text format: lantan_ metrics, process_ and python_ (docs/OPERATIONS.md).

    async: the scrape reads the pools on the event loop, the only thread that changes them.
    Served as text format 0.0.4, which every Prometheus 2.x and 3.x parses.
    """
    return Response(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_PLAIN_0_0_4)


@router.get(
    "/v1/fork",
    responses={
        200: {"model": ForkResponse, "description": "The fork this node saw"},
        404: {"model": ErrorResponse, "description": "NOT_FOUND: this node saw no fork"},
    },
)
def fork_evidence(request: Request) -> JSONResponse:
    """After a fork (a second valid certificate at a height this node committed): both
    certified headers, as evidence anyone can check against genesis. 404 when none."""
    evidence = request.app.state.readiness.fork_evidence()
    if evidence is None:
        return JSONResponse(error_body("NOT_FOUND", "no fork seen"), status_code=404)
    return JSONResponse(evidence)
