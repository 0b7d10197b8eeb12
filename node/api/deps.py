"""FastAPI dependencies as typed aliases (STYLE.md §3)."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from node.api.errors import ApiError
from node.chain_view import ChainView
from node.service import NodeService


# async: a plain def dependency costs every request a trip to a worker thread and back.
async def get_service(request: Request) -> NodeService:
    service: NodeService = request.app.state.service
    return service


async def get_view(request: Request) -> ChainView:
    """The node's read port over its committed chain (node/chain_view.py)."""
    view: ChainView = request.app.state.view
    return view


ServiceDep = Annotated[NodeService, Depends(get_service)]
ViewDep = Annotated[ChainView, Depends(get_view)]


async def refuse_unknown_query(request: Request) -> None:
    """400 BAD_REQUEST for a query parameter the route does not take, or one given twice, on
    a route that takes some (PROTOCOL.md §15): `?heigth=5` was silently the default height,
    a proof of another block than asked, and of `?limit=abc&limit=1` the last was read and
    the first never looked at. A route that takes none ignores them, as a cache-busting
    `?_=1`. Runs before the parameters are read, so a repeated one is refused whatever its
    values."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = query_names(route)
    if not known:
        return
    where = route.path.replace(":path", "")
    names = [name for name, _ in request.query_params.multi_items()]
    unknown = sorted(set(names) - known)
    if unknown:
        taken = ", ".join(sorted(known))
        raise ApiError(
            400, "BAD_REQUEST", f"unknown query parameter {unknown[0]!r}: {where} takes {taken}"
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ApiError(
            400,
            "BAD_REQUEST",
            f"query parameter {repeated[0]!r} given {names.count(repeated[0])} times: {where} "
            "takes each once",
        )


def query_names(route: APIRoute) -> frozenset[str]:
    """The query parameters route declares (its own and its dependencies'), by their names
    in the URL: a walk of a few fields, not cached (an APIRoute is not hashable)."""
    return frozenset(_query_aliases(route.dependant))


def _query_aliases(dependant: Dependant) -> list[str]:
    names = [field.alias for field in dependant.query_params]
    for sub in dependant.dependencies:
        names += _query_aliases(sub)
    return names


QueryChecked = Depends(refuse_unknown_query)
"""The router dependency of the /v1 API's routers (chain, proofs, records, txs)."""
