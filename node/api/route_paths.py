"""Which methods the app answers at a path: the Allow header of a 405 (RFC 9110 §15.5.6)
and the route a 404 for a path with a trailing slash points to.

Starlette names in Allow only the methods of the first route whose path matches, and
FastAPI's routes leave out HEAD, which HeadAsGet (node/api/middleware.py) serves for every
GET route; so the answer is taken here, over every route, with HEAD beside each GET.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from starlette.routing import Route


@dataclass(frozen=True, slots=True)
class RoutePaths:
    """The app's routes, matched by path alone (the method is what is being asked)."""

    routes: tuple[Route, ...]

    @classmethod
    def of(cls, routes: Iterable[object]) -> "RoutePaths":
        """The plain routes among routes (mounts and included routers are not matched)."""
        return cls(tuple(route for route in routes if isinstance(route, Route)))

    def methods_at(self, path: str) -> frozenset[str]:
        """Every method some route answers at path, HEAD wherever GET is; empty for none."""
        methods: set[str] = set()
        for route in self.routes:
            if route.path_regex.match(path) is not None:
                methods |= route.methods or set()
        if "GET" in methods:
            methods.add("HEAD")
        return frozenset(methods)

    def allow(self, path: str) -> str:
        """The Allow header value for path: its methods, sorted so the header is stable."""
        return ", ".join(sorted(self.methods_at(path)))

    def without_trailing_slash(self, path: str) -> str | None:
        """path without its trailing slashes when that names a route and path does not."""
        stripped = path.rstrip("/")
        if not stripped or stripped == path or self.methods_at(path):
            return None
        return stripped if self.methods_at(stripped) else None
