"""FastAPI dependencies as typed aliases (STYLE.md §3)."""

from typing import Annotated

from fastapi import Depends, Request

from node.service import NodeService


def get_service(request: Request) -> NodeService:
    service: NodeService = request.app.state.service
    return service


ServiceDep = Annotated[NodeService, Depends(get_service)]
