"""FastAPI dependencies as typed aliases (STYLE.md §3)."""

from typing import Annotated

from fastapi import Depends, Request

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
