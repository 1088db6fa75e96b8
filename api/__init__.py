"""HTTP only: the FastAPI app, its routers, problem+json errors and dependencies."""
