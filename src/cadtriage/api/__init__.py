"""The web layer: the FastAPI app, its routers, and how errors and requests are rendered and logged."""
